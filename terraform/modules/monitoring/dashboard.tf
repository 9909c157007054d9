# One dashboard per environment (each environment is its own project): requests, latency,
# errors and instances per function, the outbox backlog, dead letters, the push subscriptions'
# oldest messages, database connections against max_connections, database CPU and disk, and
# the uptime check.
locals {
  functions_filter   = "resource.type = \"cloud_run_revision\" AND resource.labels.service_name = one_of(${join(", ", formatlist("\"%s\"", keys(var.functions)))})"
  by_function        = ["resource.label.service_name"]
  dead_letter_filter = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${var.dead_letter_subscription}\""
  push_filter        = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = one_of(${join(", ", formatlist("\"%s\"", keys(var.push_subscriptions)))})"

  dashboard = {
    displayName = local.title
    mosaicLayout = {
      columns = 48
      tiles = [
        { xPos = 0, yPos = 0, width = 24, height = 16, widget = { title = "Requests per second, by function", xyChart = {
          dataSets = [{ plotType = "LINE", timeSeriesQuery = { timeSeriesFilter = {
            filter      = "metric.type = \"run.googleapis.com/request_count\" AND ${local.functions_filter}"
            aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_RATE", crossSeriesReducer = "REDUCE_SUM", groupByFields = local.by_function }
          } } }]
        } } },
        { xPos = 24, yPos = 0, width = 24, height = 16, widget = { title = "Latency p50 and p99 (ms), by function", xyChart = {
          dataSets = [
            { plotType = "LINE", timeSeriesQuery = { timeSeriesFilter = {
              filter      = "metric.type = \"run.googleapis.com/request_latencies\" AND ${local.functions_filter}"
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_DELTA", crossSeriesReducer = "REDUCE_PERCENTILE_50", groupByFields = local.by_function }
            } } },
            { plotType = "LINE", timeSeriesQuery = { timeSeriesFilter = {
              filter      = "metric.type = \"run.googleapis.com/request_latencies\" AND ${local.functions_filter}"
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_DELTA", crossSeriesReducer = "REDUCE_PERCENTILE_99", groupByFields = local.by_function }
            } } },
          ]
        } } },
        { xPos = 0, yPos = 16, width = 24, height = 16, widget = { title = "5xx answers per second, by function", xyChart = {
          dataSets = [{ plotType = "STACKED_BAR", timeSeriesQuery = { timeSeriesFilter = {
            filter      = "metric.type = \"run.googleapis.com/request_count\" AND metric.labels.response_code_class = \"5xx\" AND ${local.functions_filter}"
            aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_RATE", crossSeriesReducer = "REDUCE_SUM", groupByFields = local.by_function }
          } } }]
        } } },
        { xPos = 24, yPos = 16, width = 24, height = 16, widget = { title = "Instances, by function", xyChart = {
          dataSets = [{ plotType = "STACKED_AREA", timeSeriesQuery = { timeSeriesFilter = {
            filter      = "metric.type = \"run.googleapis.com/container/instance_count\" AND ${local.functions_filter}"
            aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_MAX", crossSeriesReducer = "REDUCE_SUM", groupByFields = local.by_function }
          } } }]
        } } },
        { xPos = 0, yPos = 32, width = 24, height = 16, widget = { title = "Outbox: pending rows, and the oldest one's age (s, right)", xyChart = {
          dataSets = [
            { plotType = "LINE", targetAxis = "Y1", timeSeriesQuery = { timeSeriesFilter = {
              filter      = "metric.type = \"${local.outbox_pending_metric}\" AND resource.type = \"cloud_run_revision\""
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_PERCENTILE_99", crossSeriesReducer = "REDUCE_MAX" }
            } } },
            { plotType = "LINE", targetAxis = "Y2", timeSeriesQuery = { timeSeriesFilter = {
              filter      = "metric.type = \"${local.outbox_oldest_pending_metric}\" AND resource.type = \"cloud_run_revision\""
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_PERCENTILE_99", crossSeriesReducer = "REDUCE_MAX" }
            } } },
          ]
          y2Axis     = { label = "seconds", scale = "LINEAR" }
          thresholds = [{ value = var.thresholds.outbox_oldest_pending_minutes * 60, label = "alert", targetAxis = "Y2" }]
        } } },
        { xPos = 24, yPos = 32, width = 24, height = 16, widget = { title = "Dead letters: waiting, and forwarded per minute by subscription", xyChart = {
          dataSets = [
            { plotType = "LINE", timeSeriesQuery = { timeSeriesFilter = {
              filter      = "metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND ${local.dead_letter_filter}"
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_MAX" }
            } } },
            { plotType = "STACKED_BAR", timeSeriesQuery = { timeSeriesFilter = {
              filter      = "metric.type = \"pubsub.googleapis.com/subscription/dead_letter_message_count\" AND ${local.push_filter}"
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_DELTA", crossSeriesReducer = "REDUCE_SUM", groupByFields = ["resource.label.subscription_id"] }
            } } },
          ]
        } } },
        { xPos = 0, yPos = 48, width = 24, height = 16, widget = { title = "Database connections (max_connections ${var.database.max_connections})", xyChart = {
          dataSets = [{ plotType = "LINE", timeSeriesQuery = { timeSeriesFilter = {
            filter      = "metric.type = \"cloudsql.googleapis.com/database/postgresql/num_backends\" AND ${local.database_id}"
            aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_MAX", crossSeriesReducer = "REDUCE_SUM", groupByFields = ["resource.label.database_id"] }
          } } }]
          thresholds = [{ value = var.database.max_connections, label = "max_connections" }]
        } } },
        { xPos = 24, yPos = 48, width = 24, height = 16, widget = { title = "Push subscriptions: oldest unacknowledged message (s)", xyChart = {
          dataSets = [{ plotType = "LINE", timeSeriesQuery = { timeSeriesFilter = {
            filter      = "metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\" AND ${local.push_filter}"
            aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_MAX" }
          } } }]
          thresholds = [{ value = var.thresholds.push_oldest_unacked_minutes * 60, label = "alert" }]
        } } },
        { xPos = 0, yPos = 64, width = 24, height = 16, widget = { title = "Database CPU and disk utilisation", xyChart = {
          dataSets = [
            { plotType = "LINE", timeSeriesQuery = { timeSeriesFilter = {
              filter      = "metric.type = \"cloudsql.googleapis.com/database/cpu/utilization\" AND ${local.database_id}"
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_MEAN" }
            } } },
            { plotType = "LINE", timeSeriesQuery = { timeSeriesFilter = {
              filter      = "metric.type = \"cloudsql.googleapis.com/database/disk/utilization\" AND ${local.database_id}"
              aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_MEAN" }
            } } },
          ]
        } } },
        { xPos = 24, yPos = 64, width = 24, height = 16, widget = { title = "Uptime check: regions failing ${var.health_check.path}", xyChart = {
          dataSets = [{ plotType = "STACKED_BAR", timeSeriesQuery = { timeSeriesFilter = {
            filter      = "metric.type = \"monitoring.googleapis.com/uptime_check/check_passed\" AND resource.type = \"uptime_url\" AND metric.labels.check_id = \"${google_monitoring_uptime_check_config.health.uptime_check_id}\""
            aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_NEXT_OLDER", crossSeriesReducer = "REDUCE_COUNT_FALSE", groupByFields = ["resource.label.host"] }
          } } }]
        } } },
      ]
    }
  }
}

resource "google_monitoring_dashboard" "this" {
  project        = var.project_id
  dashboard_json = jsonencode(local.dashboard)
}
