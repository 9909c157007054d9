# The outbox backlog as metrics, read from the line relay-outbox logs on every tick (see the
# module's README for why a log-based metric rather than a custom one). Both are distributions:
# a log-based metric that extracts a value from a line can be nothing else.
locals {
  outbox_backlog_filter = join(" AND ", [
    "resource.type = \"cloud_run_revision\"",
    "resource.labels.service_name = \"${var.outbox_backlog_log.function}\"",
    "jsonPayload.message = \"${var.outbox_backlog_log.message}\"",
  ])

  # Seconds. The alert compares a percentile with its threshold, and a percentile is exact only
  # at a bucket boundary: the bounds include every whole minute up to an hour, then coarser.
  outbox_age_bounds = concat(
    [0, 1, 5, 15, 30],
    [for minute in range(1, 61) : minute * 60],
    [5400, 7200, 10800, 21600, 43200, 86400, 172800, 604800],
  )
}

resource "google_logging_metric" "outbox_oldest_pending" {
  project         = var.project_id
  name            = "outbox_oldest_pending_seconds"
  description     = "Age of the outbox's oldest unpublished row, as relay-outbox logs it on each tick (0 when none is pending)."
  filter          = local.outbox_backlog_filter
  value_extractor = "EXTRACT(jsonPayload.${var.outbox_backlog_log.oldest_pending_seconds})"
  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "DISTRIBUTION"
    unit         = "s"
    display_name = "Outbox: oldest pending row (s)"
  }
  bucket_options {
    explicit_buckets {
      bounds = local.outbox_age_bounds
    }
  }
}

resource "google_logging_metric" "outbox_pending" {
  project         = var.project_id
  name            = "outbox_pending_rows"
  description     = "Rows of the outbox not yet published, as relay-outbox logs it on each tick."
  filter          = local.outbox_backlog_filter
  value_extractor = "EXTRACT(jsonPayload.${var.outbox_backlog_log.pending})"
  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "DISTRIBUTION"
    unit         = "1"
    display_name = "Outbox: pending rows"
  }
  bucket_options {
    exponential_buckets {
      num_finite_buckets = 24
      growth_factor      = 2
      scale              = 1
    }
  }
}

locals {
  outbox_oldest_pending_metric = "logging.googleapis.com/user/${google_logging_metric.outbox_oldest_pending.name}"
  outbox_pending_metric        = "logging.googleapis.com/user/${google_logging_metric.outbox_pending.name}"
}
