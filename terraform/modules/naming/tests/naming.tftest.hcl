# terraform test (offline: this module has no provider). Run from terraform/modules/naming:
#   TF_CLI_CONFIG_FILE=/dev/null terraform init && TF_CLI_CONFIG_FILE=/dev/null terraform test
variables {
  environment = "testing"
  project_id  = "manifest-testing"
  functions   = ["people", "project-stats"]
}

run "master_deploys_production" {
  command = plan
  variables {
    branch = "master"
  }
  assert {
    condition     = output.branch_environment == "production"
    error_message = "master must deploy production, got something else."
  }
}

run "develop_release_and_hotfix_deploy_testing" {
  command = plan
  variables {
    branch = "release/1.4.0"
  }
  assert {
    condition     = output.branch_environment == "testing"
    error_message = "release/1.4.0 must deploy testing."
  }
}

run "hotfix_deploys_testing" {
  command = plan
  variables {
    branch = "hotfix/login-timeout"
  }
  assert {
    condition     = output.branch_environment == "testing"
    error_message = "hotfix/login-timeout must deploy testing."
  }
}

run "develop_deploys_testing" {
  command = plan
  variables {
    branch = "develop"
  }
  assert {
    condition     = output.branch_environment == "testing"
    error_message = "develop must deploy testing."
  }
}

run "feature_branches_deploy_development" {
  command = plan
  variables {
    branch = "feature/csv-import"
  }
  assert {
    condition     = output.branch_environment == "development"
    error_message = "feature/csv-import must deploy development."
  }
}

run "other_branches_deploy_nothing" {
  command = plan
  variables {
    branch = "masterpiece"
  }
  assert {
    condition     = output.branch_environment == null
    error_message = "masterpiece matches no pattern (they are anchored) and must deploy nothing."
  }
}

run "bare_prefixes_deploy_nothing" {
  command = plan
  variables {
    branch = "feature/"
  }
  assert {
    condition     = output.branch_environment == null
    error_message = "feature/ names no feature and must deploy nothing."
  }
}

run "testing_has_one_trigger_per_pattern" {
  command = plan
  assert {
    condition     = output.branch_patterns == { develop = "^develop$", release = "^(release|hotfix)/.+$" }
    error_message = "testing deploys develop, release/* and hotfix/*."
  }
  assert {
    condition = output.trigger_names == {
      develop = { plan = "manifest-plan-testing-develop", apply = "manifest-apply-testing-develop" }
      release = { plan = "manifest-plan-testing-release", apply = "manifest-apply-testing-release" }
    }
    error_message = "each testing pattern gets its own plan and apply triggers."
  }
}

run "names_carry_the_environment" {
  command = plan
  variables {
    environment = "production"
    project_id  = "manifest-prod"
  }
  assert {
    condition     = output.names.sql_instance == "manifest-production" && output.state_prefix == "manifest/production"
    error_message = "the instance and the state prefix are named after the environment."
  }
  assert {
    condition     = output.names.pipeline_bucket == "manifest-prod-manifest-pipeline" && output.names.image_repository == "manifest-functions"
    error_message = "bucket names are global, so they start with the project id; the image repository's is the project's own."
  }
  assert {
    condition     = output.labels == { app = "manifest", environment = "production" }
    error_message = "every resource is labelled with the app and the environment."
  }
}

run "service_accounts_per_function" {
  command = plan
  assert {
    condition     = output.service_account_ids.function == { people = "fn-people", project-stats = "fn-project-stats" }
    error_message = "each function runs as fn-<name>."
  }
  assert {
    condition     = output.service_account_ids.push["project-stats"] == "push-project-stats"
    error_message = "Pub/Sub pushes to a function as push-<name>."
  }
  assert {
    condition     = output.service_account_ids.planner == "manifest-planner" && output.service_account_ids.deployer == "manifest-deployer"
    error_message = "the pipeline plans as manifest-planner and applies as manifest-deployer."
  }
}

run "refuses_an_unknown_environment" {
  command = plan
  variables {
    environment = "staging"
  }
  expect_failures = [var.environment]
}

run "refuses_a_function_name_too_long_for_a_service_account" {
  command = plan
  variables {
    functions = ["reconcile-passenger-manifests"]
  }
  expect_failures = [output.service_account_ids]
}
