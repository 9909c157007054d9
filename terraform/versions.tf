terraform {
  # 1.11: write-only arguments (passwords never stored in the state); 1.9: validations that
  # refer to other objects.
  required_version = ">= 1.11"

  required_providers {
    # The schema test/infra checks every google_* resource against (terraform/schema/).
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }

  # One state per environment, each under its own prefix of one bucket:
  #   terraform init -backend-config=envs/<environment>.gcs.tfbackend
  backend "gcs" {}
}
