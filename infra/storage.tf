# Videos, captions, thumbnails and credits. Nothing in it is public: clients download through
# short-lived V4 signed URLs that the api signs.
resource "google_storage_bucket" "media" {
  name                        = local.bucket_name
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  # Files live as long as their task (the Firestore TTL on expire_at removes the task).
  lifecycle_rule {
    condition {
      age = var.retention_days
    }
    action {
      type = "Delete"
    }
  }

  # Objects are rewritten by retried attempts and expire after days: no soft-delete copies.
  soft_delete_policy {
    retention_duration_seconds = 0
  }

  depends_on = [google_project_service.required]
}

# Source archives uploaded by `gcloud builds submit`; read by the deployer account only.
resource "google_storage_bucket" "build" {
  name                        = local.build_bucket_name
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  lifecycle_rule {
    condition {
      age = 7
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.required]
}
