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
