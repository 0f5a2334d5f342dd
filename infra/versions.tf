terraform {
  required_version = ">= 1.5"

  required_providers {
    # 6.11 made google_cloud_run_v2_service's empty_dir volumes (the worker's scratch) GA.
    google = {
      source  = "hashicorp/google"
      version = ">= 6.11, < 8.0"
    }
  }

  # .terraform.lock.hcl records the provider version and its checksums for every platform once
  # `terraform init` has run where the registry is reachable (see README.md, "Deploy to Google
  # Cloud"): commit it, so every apply uses the same provider build.
  #
  # State stays on the machine that runs Terraform unless you add a backend, e.g.
  #   backend "gcs" { bucket = "MY-STATE-BUCKET"  prefix = "reelsmith" }
  # No secret value ever enters this state: secrets are created with gcloud and referenced by
  # name and version only.
}

provider "google" {
  project = var.project_id
  region  = var.region
}
