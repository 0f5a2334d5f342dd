# The sweeper: every few minutes Cloud Scheduler calls the worker's POST /tasks/sweep, which asks
# again for what a task is owed when its queue gave up or never got the ask: a render delivery for
# a queued task with none alive, or a processing task whose worker died; a callback job for an
# event still pending; and it fails for good (with a callback) a task whose attempts are used up.
#
# The worker takes internal traffic only. Cloud Scheduler in the same project calling the
# worker's run.app URL counts as internal, as Cloud Tasks does, so no VPC connector or load
# balancer is needed. It authenticates like Cloud Tasks: an OIDC token of the invoker account,
# the only account that may invoke the worker. Cloud Scheduler's service agent mints that token
# (its role, granted when the API is enabled, allows it); whoever applies this Terraform must be
# able to act as the invoker account (project owners can).
resource "google_cloud_scheduler_job" "sweep" {
  count = local.deploy_services ? 1 : 0

  name        = "${var.worker_service_name}-sweep"
  region      = var.region
  description = "reelsmith sweeper: re-asks for lost render and callback deliveries (POST /tasks/sweep on the worker)"
  schedule    = var.sweep_schedule
  time_zone   = "Etc/UTC"
  # A sweep reads the unfinished tasks and the pending callbacks and enqueues what is owed.
  attempt_deadline = "180s"

  # A run that fails (the worker's spare slot taken at that moment: Cloud Run answers 429, or an
  # instance stopping) is tried again within a minute or two rather than left to the next run.
  retry_config {
    retry_count          = 3
    min_backoff_duration = "15s"
    max_backoff_duration = "60s"
    max_doublings        = 2
  }

  http_target {
    http_method = "POST"
    uri         = "${local.worker_url}/tasks/sweep"
    oidc_token {
      service_account_email = google_service_account.tasks_invoker.email
      audience              = local.worker_url
    }
  }

  depends_on = [google_project_service.required]
}
