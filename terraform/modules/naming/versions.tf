# Pure logic: no provider, so `terraform test` runs it anywhere, offline.
terraform {
  required_version = ">= 1.11"
}
