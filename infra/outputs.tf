output "api_url" {
  description = "Base URL of the public api (null until var.image is set)."
  value       = local.deploy_services ? google_cloud_run_v2_service.api[0].uri : null
}

output "worker_url" {
  description = "URL of the private worker, which Cloud Tasks calls."
  value       = local.deploy_services ? google_cloud_run_v2_service.worker[0].uri : null
}

output "image_repository" {
  description = "Where cloudbuild.yaml pushes the image (append /reelsmith:TAG)."
  value       = local.image_repository
}

output "deployer_service_account" {
  description = "Pass to gcloud builds submit --service-account."
  value       = google_service_account.deployer.id
}

output "build_source_bucket" {
  description = "Pass gs://BUCKET/source to gcloud builds submit --gcs-source-staging-dir."
  value       = google_storage_bucket.build.name
}

output "media_bucket" {
  value = google_storage_bucket.media.name
}

output "tasks_queue" {
  value = google_cloud_tasks_queue.render.id
}

output "callbacks_queue" {
  value = google_cloud_tasks_queue.callbacks.id
}

output "sweep_job" {
  description = "The Cloud Scheduler job that calls the worker's POST /tasks/sweep (null until var.image is set)."
  value       = local.deploy_services ? google_cloud_scheduler_job.sweep[0].id : null
}
