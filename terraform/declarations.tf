# What the code declares about its deployment, restated for Terraform. The code is the source:
# the function registry shared/deploy/functions.ts (functions), shared/deploy/subscriptions.ts
# (push subscriptions), shared/config/settings.ts (settings) and shared/events/backlog.ts (the
# relay's backlog line). test/infra/drift.test.ts fails when these differ.

locals {
  # The settings every function is deployed with: it reaches the database the same way, as
  # its own IAM database user (no password).
  common_settings = [
    "APP_ENV", "GOOGLE_CLOUD_PROJECT", "LOG_LEVEL", "LOG_REQUESTS", "SECRET_TTL_SECONDS",
    "CLOUD_SQL_INSTANCE", "CLOUD_SQL_IP_TYPE", "CLOUD_SQL_AUTH_TYPE", "DATABASE_NAME", "DATABASE_USER", "DB_POOL_MAX",
  ]

  function_declarations = {
    people = {
      kind             = "http"
      read_only        = false
      secrets          = ["API_KEYS"]
      publishes_events = true
      settings         = concat(local.common_settings, ["API_KEYS", "READ_REQUIRES_AUTH", "EVENTS_TOPIC", "PUBLISH_TIMEOUT_MS", "OUTBOX_FAST_PATH_MS"])
    }
    stats = {
      kind             = "http"
      read_only        = true
      secrets          = ["API_KEYS"]
      publishes_events = false
      settings         = concat(local.common_settings, ["API_KEYS", "READ_REQUIRES_AUTH"])
    }
    health = {
      kind             = "http"
      read_only        = true
      secrets          = []
      publishes_events = false
      settings         = concat(local.common_settings, ["HEALTH_OUTBOX_MAX_AGE_SECONDS"])
    }
    project-stats = local.consumer
    audit-log     = local.consumer
    relay-outbox = {
      kind             = "event"
      read_only        = false
      secrets          = []
      publishes_events = true
      settings         = concat(local.common_settings, ["EVENTS_TOPIC", "PUBLISH_TIMEOUT_MS", "RELAY_BATCH_SIZE", "OUTBOX_RETENTION_HOURS"])
    }
  }

  # consumer(router) of shared/deploy/functions.ts: a read model's consumer of the events topic.
  consumer = {
    kind             = "event"
    read_only        = false
    secrets          = []
    publishes_events = false
    settings         = local.common_settings
  }

  # Settings an environment may tune (var.settings), with the code's defaults.
  setting_defaults = {
    LOG_LEVEL              = "info"
    LOG_REQUESTS           = "false"
    SECRET_TTL_SECONDS     = "300"
    CLOUD_SQL_IP_TYPE      = "PRIVATE"
    READ_REQUIRES_AUTH     = "false"
    PUBLISH_TIMEOUT_MS     = "2000"
    OUTBOX_FAST_PATH_MS    = "5000"
    RELAY_BATCH_SIZE       = "100"
    OUTBOX_RETENTION_HOURS = "192"

    HEALTH_OUTBOX_MAX_AGE_SECONDS = "300"
  }

  # Settings modules/cloud-function sets from the function's sizing (DB_POOL_MAX is
  # sizing.db_pool_max), so that the pool is chosen with the concurrency it serves and counted in
  # the connection budget; no other value reaches a function.
  sizing_settings = ["DB_POOL_MAX"]

  # Settings whose value is a secret, in Secret Manager: deployed as sm://<secret id>, resolved
  # by the app at cold start. The function's service account may read exactly the secrets its
  # declaration lists. DATABASE_PASSWORD is the schema owner's: the pipeline's migrations read
  # it, no function does (they sign in with IAM).
  secret_settings = ["API_KEYS", "DATABASE_PASSWORD"]

  # The Pub/Sub topics (EVENTS_TOPIC, DEAD_LETTER_TOPIC and RELAY_TOPIC's defaults).
  topics = {
    events      = "manifest-events"
    dead_letter = "manifest-events-dead-letter"
    relay       = "manifest-relay-tick"
  }

  # pushSubscriptions(config) of shared/deploy/subscriptions.ts, by subscription id. Filters are
  # the handlers' key patterns translated by shared/events/filter.ts.
  push_subscriptions = {
    "manifest-events--project-stats" = {
      function                = "project-stats"
      topic                   = "manifest-events"
      filter                  = "hasPrefix(attributes.type, \"person.\") OR attributes.type = \"people.imported\""
      ack_deadline_seconds    = 60
      minimum_backoff_seconds = 10
      maximum_backoff_seconds = 600
      max_delivery_attempts   = 10
      dead_letter_topic       = "manifest-events-dead-letter"
    }
    "manifest-events--audit-log" = {
      function                = "audit-log"
      topic                   = "manifest-events"
      filter                  = ""
      ack_deadline_seconds    = 60
      minimum_backoff_seconds = 10
      maximum_backoff_seconds = 600
      max_delivery_attempts   = 10
      dead_letter_topic       = "manifest-events-dead-letter"
    }
    "manifest-relay-tick--relay-outbox" = {
      function                = "relay-outbox"
      topic                   = "manifest-relay-tick"
      filter                  = ""
      ack_deadline_seconds    = 60
      minimum_backoff_seconds = 10
      maximum_backoff_seconds = 60
      max_delivery_attempts   = 5
      dead_letter_topic       = "manifest-events-dead-letter"
    }
  }

  # OUTBOX_BACKLOG_LOG of shared/events/backlog.ts: the line relay-outbox logs on every tick,
  # which the outbox's log-based metrics read (modules/monitoring).
  outbox_backlog_log = {
    function               = "relay-outbox"
    message                = "outbox backlog"
    pending                = "pending"
    oldest_pending_seconds = "oldestPendingSeconds"
  }

  # Environment variables every function gets that are not app settings. No
  # --enable-source-maps: it decoded the whole source map at every cold start;
  # shared/runtime/source-maps.ts maps a stack when one is formatted instead.
  # NODE_COMPILE_CACHE: the V8 code cache the image's build wrote for the function
  # (scripts/compile-cache.ts, run by the buildpack as the bundle's gcp-build; buildpacks put
  # the function in /workspace). Node 22 reads it at cold start (about 35 ms of CPU less at full
  # CPU) and compiles as without one where it does not match (another Node, other flags).
  # The function's own code cache lives in the same folder (shared/runtime/code-cache.ts: its
  # bundle's code after a warm-up, which Node's cache does not hold).
  runtime_environment = {
    NODE_OPTIONS       = ""
    NODE_COMPILE_CACHE = "/workspace/.compile-cache"
  }
}
