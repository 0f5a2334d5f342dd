resource "google_cloud_tasks_queue" "render" {
  name     = var.tasks_queue
  location = var.region

  rate_limits {
    max_concurrent_dispatches = local.queue_max_concurrent_dispatches
    max_dispatches_per_second = 5
  }

  # The worker decides when a task has failed for good (max_attempts, recorded in Firestore) and
  # then answers 2xx. The queue allows more deliveries than that, because some deliveries are not
  # attempts: a 503 "leased elsewhere" while another delivery still renders, or an instance that
  # died before it could record anything. Busy answers carry Retry-After, which the queue honours.
  retry_config {
    max_attempts       = var.max_attempts * 3
    max_retry_duration = "86400s"
    min_backoff        = "15s"
    max_backoff        = "600s"
    max_doublings      = 4
  }

  depends_on = [google_project_service.required]
}
