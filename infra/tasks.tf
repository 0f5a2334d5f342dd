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
  # When the queue gives up anyway, the sweeper (scheduler.tf) asks again under a new task name.
  retry_config {
    max_attempts       = var.max_attempts * 3
    max_retry_duration = "86400s"
    min_backoff        = "15s"
    max_backoff        = "600s"
    max_doublings      = 4
  }

  depends_on = [google_project_service.required]
}

# Callback deliveries (TASKS_CALLBACK_QUEUE): one job per event a task's end owes its
# callback_url. Each delivery is one attempt at the client's URL; the worker answers 503 while the
# event is still owed, so the queue keeps trying for a day (10 s, 20 s, ... then hourly) and the
# worker gives the event up at 24 h (the task view then says gave_up).
resource "google_cloud_tasks_queue" "callbacks" {
  name     = "${var.tasks_queue}-callbacks"
  location = var.region

  # A callback delivery takes a request slot on a worker instance for up to 10 s (the client's
  # answer); a few at a time leaves the slots to renders.
  rate_limits {
    max_concurrent_dispatches = var.worker_max_instances
    max_dispatches_per_second = 5
  }

  retry_config {
    # -1: no limit on attempts; the retry duration ends the job instead.
    max_attempts       = -1
    max_retry_duration = "86400s"
    min_backoff        = "10s"
    max_backoff        = "3600s"
    max_doublings      = 9
  }

  depends_on = [google_project_service.required]
}
