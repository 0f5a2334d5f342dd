resource "google_cloud_tasks_queue" "render" {
  name     = var.tasks_queue
  location = var.region

  rate_limits {
    max_concurrent_dispatches = local.queue_max_concurrent_dispatches
    max_dispatches_per_second = 5
  }

  # The worker decides when a task has failed for good (max_attempts, recorded in Firestore) and
  # then answers 2xx. The queue allows more deliveries than that, because some deliveries are not
  # attempts: a 409 "leased elsewhere" while another delivery still renders, a 503 from a worker
  # whose render slots are full or that is shutting down, or an instance that died before it could
  # record anything. Per-task retries answer 409, not 503: Cloud Tasks slows the whole queue down
  # on 429 and 503 (its "system throttling"), right for an overloaded worker, wrong for one task.
  #
  # Cloud Tasks stops retrying a job only when BOTH limits are reached: max_attempts deliveries AND
  # max_retry_duration since the first. 15 deliveries at this backoff (15 s doubling 4 times, then
  # up by 240 s a step to 600 s) take about 1 h 36 min, so max_attempts is what ends a job here, a
  # little later than the duration. When the queue gives up, the sweeper (scheduler.tf) asks again
  # under a new task name.
  retry_config {
    max_attempts       = var.max_attempts * 3
    max_retry_duration = "3600s"
    min_backoff        = "15s"
    max_backoff        = "600s"
    max_doublings      = 4
  }

  depends_on = [google_project_service.required]
}

# Callback deliveries (TASKS_CALLBACK_QUEUE): one job per event a task's end owes its
# callback_url. Each delivery is one attempt at the client's URL; the worker answers 409 while the
# event is still owed (a receiver that is down is no reason to throttle every other client's
# callbacks, as a 503 would), so the queue keeps trying for a day (10 s, 20 s, ... then hourly),
# and the worker gives the event up at 24 h (the task view then says gave_up) and answers 2xx,
# which ends the job whatever the limits below say.
resource "google_cloud_tasks_queue" "callbacks" {
  name     = "${var.tasks_queue}-callbacks"
  location = var.region

  # A callback delivery takes a request slot on a worker instance for up to 10 s (the client's
  # answer): the spare slot each instance keeps beside its renders (main.tf), one per instance.
  rate_limits {
    max_concurrent_dispatches = local.callbacks_max_concurrent_dispatches
    max_dispatches_per_second = 5
  }

  # Both limits must be reached before Cloud Tasks stops: 25 deliveries at this backoff (10 s
  # doubling 9 times to the hourly cap) take about 16 h, so the 24 h duration is what ends a job,
  # as the worker's own give-up does. (-1, no attempt limit, would keep a job for the queue's
  # 31-day task retention were the worker not to end it.)
  retry_config {
    max_attempts       = 25
    max_retry_duration = "86400s"
    min_backoff        = "10s"
    max_backoff        = "3600s"
    max_doublings      = 9
  }

  depends_on = [google_project_service.required]
}
