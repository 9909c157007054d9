# The bundle is uploaded under a name that changes with its content, so a new build redeploys
# the function and an unchanged one does not.
data "archive_file" "bundle" {
  type        = "zip"
  source_dir  = var.bundle.source_dir
  output_path = "${path.root}/.terraform/bundles/${var.name}.zip"
}

resource "google_storage_bucket_object" "bundle" {
  bucket       = var.bundle.bucket
  name         = "${var.name}/${data.archive_file.bundle.output_md5}.zip"
  source       = data.archive_file.bundle.output_path
  content_type = "application/zip"
}
