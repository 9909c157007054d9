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
