# State moves, so that applying a refactoring recreates nothing. Delete a block once every
# environment has applied it.

# modules/http-function and modules/event-function became modules/cloud-function, called once
# for every function (module.functions).
moved {
  from = module.http_functions["people"].module.function
  to   = module.functions["people"]
}
moved {
  from = module.http_functions["stats"].module.function
  to   = module.functions["stats"]
}
moved {
  from = module.http_functions["health"].module.function
  to   = module.functions["health"]
}
moved {
  from = module.event_functions["project-stats"].module.function
  to   = module.functions["project-stats"]
}
moved {
  from = module.event_functions["audit-log"].module.function
  to   = module.functions["audit-log"]
}
moved {
  from = module.event_functions["relay-outbox"].module.function
  to   = module.functions["relay-outbox"]
}

# The one deploy trigger per branch pattern became an apply trigger (of a saved plan) beside a
# plan trigger.
moved {
  from = module.deploy_triggers
  to   = module.apply_triggers
}

# Grants became authoritative per role (*_iam_binding, Fabric's iam = { ROLE => [MEMBERS] }).
# The additive grants of before are forgotten, not revoked: revoking them after the bindings
# exist would take the same members out of the bindings' roles.
removed {
  from = module.functions.google_cloud_run_v2_service_iam_member.invokers
  lifecycle {
    destroy = false
  }
}
removed {
  from = module.events_topic.google_pubsub_topic_iam_member.publishers
  lifecycle {
    destroy = false
  }
}
removed {
  from = module.dead_letter_topic.google_pubsub_topic_iam_member.publishers
  lifecycle {
    destroy = false
  }
}
removed {
  from = module.secrets.google_secret_manager_secret_iam_member.accessors
  lifecycle {
    destroy = false
  }
}
removed {
  from = module.service_accounts.google_service_account_iam_member.this
  lifecycle {
    destroy = false
  }
}

# The functions became Cloud Run services (module.functions[*].google_cloud_run_v2_service.this)
# running images the plan build makes: a moved block cannot change a resource's type, so the
# apply that switches creates each service and destroys its Cloud Function (terraform/README.md,
# Decisions). What only the Cloud Functions used is forgotten, not destroyed, so that the
# switch never fails on a bucket that still holds objects or an image a running revision uses:
# delete gs://PROJECT-manifest-functions and the gcf-artifacts repository by hand afterwards.
removed {
  from = google_storage_bucket.function_sources
  lifecycle {
    destroy = false
  }
}
removed {
  from = google_artifact_registry_repository.function_images
  lifecycle {
    destroy = false
  }
}
