terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 8.0"
    }
  }

  # State stays on the machine that runs Terraform unless you add a backend, e.g.
  #   backend "gcs" { bucket = "MY-STATE-BUCKET"  prefix = "reelsmith" }
  # No secret value ever enters this state: secrets are created with gcloud and referenced by
  # name and version only.
}

provider "google" {
  project = var.project_id
  region  = var.region
}
