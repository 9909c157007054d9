# /health from outside: Google's checkers in several regions call it every minute, strictly, so
# that a degraded service (outbox rows past their window, dead letters) fails like a down one.
# A private health function (no public access, as domain-restricted sharing requires) is called
# with the Monitoring service agent's identity token; the root module makes that agent its
# invoker.
resource "google_monitoring_uptime_check_config" "health" {
  project            = var.project_id
  display_name       = "${local.title}: ${var.health_check.path}"
  timeout            = "10s"
  period             = "60s"
  log_check_failures = true
  user_labels        = var.labels

  http_check {
    path         = var.health_check.path
    port         = 443
    use_ssl      = true
    validate_ssl = true
    accepted_response_status_codes {
      status_class = "STATUS_CLASS_2XX"
    }
    dynamic "service_agent_authentication" {
      for_each = var.health_check.public ? [] : ["OIDC_TOKEN"]
      content {
        type = service_agent_authentication.value
      }
    }
  }

  monitored_resource {
    type = "uptime_url"
    labels = {
      project_id = var.project_id
      host       = var.health_check.host
    }
  }
}

resource "google_monitoring_alert_policy" "health" {
  project      = var.project_id
  display_name = "${local.title}: health check failing"
  combiner     = "OR"
  severity     = "CRITICAL"
  conditions {
    display_name = "${var.health_check.path} fails from two regions or more"
    condition_threshold {
      filter = join(" AND ", [
        "resource.type = \"uptime_url\"",
        "metric.type = \"monitoring.googleapis.com/uptime_check/check_passed\"",
        "metric.labels.check_id = \"${google_monitoring_uptime_check_config.health.uptime_check_id}\"",
      ])
      comparison      = "COMPARISON_GT"
      threshold_value = 1
      duration        = "${var.thresholds.health_failing_minutes * 60}s"
      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_NEXT_OLDER"
        cross_series_reducer = "REDUCE_COUNT_FALSE"
        group_by_fields      = ["resource.label.host"]
      }
    }
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "${local.title}: ${var.health_check.path} failing for ${var.thresholds.health_failing_minutes} min"
    content   = <<-EOT
      **What it means.** `https://${var.health_check.host}${var.health_check.path}` has failed
      from two checker regions or more for ${var.thresholds.health_failing_minutes} minutes: it
      answered 503 (database unreachable, migrations pending, or degraded: outbox rows pending past
      their window, dead letters) or did not answer at all.

      **What to do.**
      1. `curl -i 'https://${var.health_check.host}${var.health_check.path}'`${var.health_check.public ? "" : " with `-H \"Authorization: Bearer $(gcloud auth print-identity-token)\"` (as an invoker)"}:
         its `problems` (or its counts, when degraded) say which.
      2. Follow the alert of that cause (outbox, dead letters, database), which is firing too.
      3. No answer at all, or 403: the health function's deploy, or its ${var.health_check.public ? "public access" : "invoker grant to the Monitoring service agent"}.
    EOT
  }
  notification_channels = local.notification_channels
  user_labels           = var.labels
}
