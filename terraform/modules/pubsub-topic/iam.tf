# Grants on this topic only, each role with all its members (authoritative on the topic).
resource "google_pubsub_topic_iam_binding" "this" {
  for_each = var.iam
  project  = var.project_id
  topic    = google_pubsub_topic.this.name
  role     = each.key
  members  = each.value
}
