# Each HTTP function's share of 5xx answers. A ratio of two metrics is a PromQL condition:
# Google recommends PromQL for ratios, and MQL, the other way, is deprecated (its console
# support ended in July 2025). The metric's own name, in PromQL's UTF-8 form, is kept as is.
locals {
  # Requests of one function (a gen2 function is the Cloud Run service of the same name).
  http_requests = {
    for name in keys(local.http_functions) : name => join(", ", [
      "\"run.googleapis.com/request_count\"",
      "monitored_resource=\"cloud_run_revision\"",
      "service_name=\"${name}\"",
    ])
  }
}

resource "google_monitoring_alert_policy" "http_errors" {
  for_each     = local.http_functions
  project      = var.project_id
  display_name = "${local.title}: ${each.key} answers 5xx"
  combiner     = "OR"
  severity     = "ERROR"
  conditions {
    display_name = "5xx over ${var.thresholds.http_5xx_ratio * 100}% of ${each.key}'s requests for 5 min"
    condition_prometheus_query_language {
      # The ratio, once the window holds enough requests for one failure not to count as a trend.
      query               = <<-EOT
        sum(rate({${local.http_requests[each.key]}, response_code_class="5xx"}[5m]))
          / sum(rate({${local.http_requests[each.key]}}[5m])) > ${var.thresholds.http_5xx_ratio}
        and sum(increase({${local.http_requests[each.key]}}[5m])) >= ${var.thresholds.http_5xx_min_requests}
      EOT
      duration            = "300s"
      evaluation_interval = "60s"
    }
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "${local.title}: ${each.key} answers 5xx to over ${var.thresholds.http_5xx_ratio * 100}% of requests"
    content   = <<-EOT
      **What it means.** Over ${var.thresholds.http_5xx_ratio * 100}% of `${each.key}`'s requests
      were answered 5xx for 5 minutes. manifest answers 503 when the database is unreachable or
      its schema has pending migrations, and 500 only for a bug.

      **What to do.**
      1. Logs Explorer: `resource.labels.service_name="${each.key}" severity>=WARNING`, or
         `curl -i` the health function's `/health?strict=true`, whose `problems` say which.
      2. Pending migrations: the deploy ran before its migration; run the migration step again,
         or roll back (README, _Rolling back a bad deploy_).
      3. Database unreachable: see the Cloud SQL alerts and the instance's status.
      4. 500s: a bug in the latest revision; roll back to the previous one, then fix.
    EOT
  }
  notification_channels = local.notification_channels
  user_labels           = var.labels
}
