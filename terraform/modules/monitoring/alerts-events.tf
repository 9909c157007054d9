# The event path: dead letters, push subscriptions that do not drain, the outbox that does not
# drain, and the relay that stopped ticking.
resource "google_monitoring_alert_policy" "dead_letters" {
  project      = var.project_id
  display_name = "${local.title}: dead letters waiting"
  combiner     = "OR"
  severity     = "ERROR"
  conditions {
    display_name = "Undelivered messages in ${var.dead_letter_subscription}"
    condition_threshold {
      filter = join(" AND ", [
        "resource.type = \"pubsub_subscription\"",
        "resource.labels.subscription_id = \"${var.dead_letter_subscription}\"",
        "metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\"",
      ])
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "${local.title}: dead letters in ${var.dead_letter_subscription}"
    content   = <<-EOT
      **What it means.** Pub/Sub gave up delivering some messages after the subscription's last
      attempt and forwarded them to the dead-letter topic; `${var.dead_letter_subscription}` keeps
      them. Their events are missing from the read models (stats, audit log) until redriven.

      **What to do.**
      1. Find the cause: each message's attribute `CloudPubSubDeadLetterSourceSubscription` names
         the subscription (and so the function) it failed in; read that function's errors in Logs
         Explorer around the time it was first published.
      2. Fix the cause and deploy.
      3. Redrive: `npm run dead-letter -- list`, then `npm run dead-letter -- replay --all`
         (README, _Dead-letter redrive_). The alert closes when the subscription is empty.
    EOT
  }
  notification_channels = local.notification_channels
  user_labels           = var.labels
}

resource "google_monitoring_alert_policy" "push_backlog" {
  for_each     = var.push_subscriptions
  project      = var.project_id
  display_name = "${local.title}: ${each.key} is not draining"
  combiner     = "OR"
  severity     = "WARNING"
  conditions {
    display_name = "Oldest unacknowledged message in ${each.key} older than ${var.thresholds.push_oldest_unacked_minutes} min"
    condition_threshold {
      filter = join(" AND ", [
        "resource.type = \"pubsub_subscription\"",
        "resource.labels.subscription_id = \"${each.key}\"",
        "metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\"",
      ])
      comparison      = "COMPARISON_GT"
      threshold_value = var.thresholds.push_oldest_unacked_minutes * 60
      duration        = "0s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "${local.title}: ${each.key} has a message waiting over ${var.thresholds.push_oldest_unacked_minutes} min"
    content   = <<-EOT
      **What it means.** `${each.value.function}` has failed to take a message from
      `${each.key}` for ${var.thresholds.push_oldest_unacked_minutes} minutes: it answers an error
      or times out, and Pub/Sub redelivers with backoff. After the subscription's last attempt the
      message goes to the dead letters. Until then the read models lag behind.

      **What to do.**
      1. Read `${each.value.function}`'s errors in Logs Explorer
         (`resource.labels.service_name="${each.value.function}" severity>=WARNING`). A 503 about
         the database points at Cloud SQL (see its alerts); anything else at the latest deploy.
      2. Fix the cause or roll back (README, _Rolling back a bad deploy_). The backlog drains by
         itself once the function succeeds; only messages already dead-lettered need a redrive.
    EOT
  }
  notification_channels = local.notification_channels
  user_labels           = var.labels
}

resource "google_monitoring_alert_policy" "outbox_pending" {
  project      = var.project_id
  display_name = "${local.title}: outbox not draining"
  combiner     = "OR"
  severity     = "ERROR"
  conditions {
    display_name = "Oldest pending outbox row older than ${var.thresholds.outbox_oldest_pending_minutes} min"
    condition_threshold {
      filter = join(" AND ", [
        "resource.type = \"cloud_run_revision\"",
        "metric.type = \"${local.outbox_oldest_pending_metric}\"",
      ])
      comparison      = "COMPARISON_GT"
      threshold_value = var.thresholds.outbox_oldest_pending_minutes * 60
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_PERCENTILE_99"
        cross_series_reducer = "REDUCE_MAX"
        group_by_fields      = ["resource.label.service_name"]
      }
    }
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "${local.title}: an event has waited in the outbox over ${var.thresholds.outbox_oldest_pending_minutes} min"
    content   = <<-EOT
      **What it means.** A change was committed ${var.thresholds.outbox_oldest_pending_minutes}
      minutes ago or more and its event is still not published: neither the writer's fast path
      nor `${var.outbox_backlog_log.function}` could publish it. Nothing is lost (the row stays
      until it is published), but consumers and read models are behind.

      **What to do.**
      1. `${var.outbox_backlog_log.function}`'s warnings `relay could not publish an event` carry
         Pub/Sub's error: permission denied means the events topic's publisher grant, not found
         means the topic.
      2. In the database, the rows say the same:
         `SELECT id, type, attempts, last_error FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 20`.
      3. Once publishing works the relay drains the outbox by itself, each row after its backoff
         (at most 5 minutes).
    EOT
  }
  notification_channels = local.notification_channels
  user_labels           = var.labels
}

resource "google_monitoring_alert_policy" "relay_silent" {
  project      = var.project_id
  display_name = "${local.title}: relay-outbox is not running"
  combiner     = "OR"
  severity     = "ERROR"
  conditions {
    display_name = "No outbox backlog line from ${var.outbox_backlog_log.function} for ${var.thresholds.relay_silent_minutes} min"
    condition_absent {
      filter = join(" AND ", [
        "resource.type = \"cloud_run_revision\"",
        "metric.type = \"${local.outbox_oldest_pending_metric}\"",
      ])
      duration = "${var.thresholds.relay_silent_minutes * 60}s"
      # One series across revisions: a deploy must not look like a silence.
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
    }
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "${local.title}: ${var.outbox_backlog_log.function} has not ticked for ${var.thresholds.relay_silent_minutes} min"
    content   = <<-EOT
      **What it means.** `${var.outbox_backlog_log.function}` logs the outbox's backlog on every
      tick, and none has arrived for ${var.thresholds.relay_silent_minutes} minutes. Events the
      fast path missed are not being published, and the outbox alert, which reads the same line,
      cannot fire.

      **What to do.**
      1. The relay's Cloud Scheduler job (`gcloud scheduler jobs list --location=REGION`):
         resume it if paused; its last attempt's status says whether it fails.
      2. `${var.outbox_backlog_log.function}`'s own logs: errors at start or on each tick (the
         `outbox relay failed` line has the cause). A failing deploy: roll back (README,
         _Rolling back a bad deploy_).
    EOT
  }
  notification_channels = local.notification_channels
  user_labels           = var.labels
}
