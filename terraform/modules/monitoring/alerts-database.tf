# Cloud SQL: connections near max_connections, CPU and disk.

resource "google_monitoring_alert_policy" "database_connections" {
  project      = var.project_id
  display_name = "${local.title}: database connections near max_connections"
  combiner     = "OR"
  severity     = "ERROR"
  conditions {
    display_name = "Connections over ${var.thresholds.database_connections_ratio * 100}% of ${var.database.max_connections}"
    condition_threshold {
      filter          = "${local.database_id} AND metric.type = \"cloudsql.googleapis.com/database/postgresql/num_backends\""
      comparison      = "COMPARISON_GT"
      threshold_value = floor(var.thresholds.database_connections_ratio * var.database.max_connections)
      duration        = "300s"
      # num_backends is per database: the instance's total is their sum.
      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_MAX"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.database_id"]
      }
    }
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "${local.title}: ${var.database.instance} over ${var.thresholds.database_connections_ratio * 100}% of max_connections"
    content   = <<-EOT
      **What it means.** `${var.database.instance}` has had more than
      ${floor(var.thresholds.database_connections_ratio * var.database.max_connections)} connections
      open for 5 minutes; at ${var.database.max_connections} (max_connections) PostgreSQL refuses
      new ones and the functions answer 503. Every function instance holds up to `DB_POOL_MAX`
      connections (its sizing.db_pool_max), and the connection budget keeps the sum over
      functions of max_instances × db_pool_max, plus the reserved, within max_connections.

      **What to do.**
      1. The dashboard's instance count says which functions scaled out.
      2. In the database: `SELECT usename, application_name, state, count(*) FROM pg_stat_activity
         GROUP BY 1, 2, 3 ORDER BY 4 DESC` shows who holds them (idle ones point at a pool).
      3. Lower that function's `sizing.max_instances` or `sizing.db_pool_max` in the tfvars, or
         raise `database.instance.max_connections` (a larger tier if memory is short), and apply.
    EOT
  }
  notification_channels = local.notification_channels
  user_labels           = var.labels
}

resource "google_monitoring_alert_policy" "database_cpu" {
  project      = var.project_id
  display_name = "${local.title}: database CPU high"
  combiner     = "OR"
  severity     = "WARNING"
  conditions {
    display_name = "CPU over ${var.thresholds.database_cpu_ratio * 100}% for 15 min"
    condition_threshold {
      filter          = "${local.database_id} AND metric.type = \"cloudsql.googleapis.com/database/cpu/utilization\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.thresholds.database_cpu_ratio
      duration        = "900s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MEAN"
      }
    }
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "${local.title}: ${var.database.instance} CPU over ${var.thresholds.database_cpu_ratio * 100}% for 15 min"
    content   = <<-EOT
      **What it means.** `${var.database.instance}` has used over
      ${var.thresholds.database_cpu_ratio * 100}% of its CPU for 15 minutes: queries queue, latency
      rises, and requests may time out.

      **What to do.**
      1. Query Insights (Cloud SQL, the instance's page) lists the queries that take the time.
      2. A bulk import or a stats recompute explains a burst that ends by itself.
      3. If the load is legitimate and lasting, move to a larger tier (`database.instance.tier`).
    EOT
  }
  notification_channels = local.notification_channels
  user_labels           = var.labels
}

resource "google_monitoring_alert_policy" "database_disk" {
  project      = var.project_id
  display_name = "${local.title}: database disk filling"
  combiner     = "OR"
  severity     = "WARNING"
  conditions {
    display_name = "Disk over ${var.thresholds.database_disk_ratio * 100}% for 5 min"
    condition_threshold {
      filter          = "${local.database_id} AND metric.type = \"cloudsql.googleapis.com/database/disk/utilization\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.thresholds.database_disk_ratio
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }
  documentation {
    mime_type = "text/markdown"
    subject   = "${local.title}: ${var.database.instance} disk over ${var.thresholds.database_disk_ratio * 100}%"
    content   = <<-EOT
      **What it means.** `${var.database.instance}`'s disk is over
      ${var.thresholds.database_disk_ratio * 100}% full. Storage grows by itself, by steps, but a
      disk filling faster than it grows stops every write, and it never shrinks again.

      **What to do.**
      1. Find what grows: `SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM
         pg_class ORDER BY pg_total_relation_size(oid) DESC LIMIT 10`.
      2. The outbox keeps sent rows for `OUTBOX_RETENTION_HOURS`: if it is large, check that the
         relay prunes it (its `outbox relayed` lines count the pruned rows).
      3. Legitimate growth: raise `database.instance.disk_size_gb` in the tfvars.
    EOT
  }
  notification_channels = local.notification_channels
  user_labels           = var.labels
}
