# Four identities, each with only what its job needs. No project-wide storage, run or IAM roles.

locals {
  # An IAM condition that holds for the service's Firestore database alone (the form Firestore's
  # IAM documentation gives for per-database access).
  firestore_database_condition = "resource.name == \"projects/${var.project_id}/databases/${google_firestore_database.main.name}\""
}

resource "google_service_account" "api" {
  account_id   = "reelsmith-api"
  display_name = "reelsmith api (Cloud Run runtime)"
  depends_on   = [google_project_service.required]
}

resource "google_service_account" "worker" {
  account_id   = "reelsmith-worker"
  display_name = "reelsmith worker (Cloud Run runtime)"
  depends_on   = [google_project_service.required]
}

# The identity in the OIDC token Cloud Tasks and Cloud Scheduler send to the worker; it can do
# nothing else.
resource "google_service_account" "tasks_invoker" {
  account_id   = "reelsmith-tasks-invoker"
  display_name = "reelsmith Cloud Tasks invoker of the worker"
  depends_on   = [google_project_service.required]
}

# Runs Cloud Build: tests, builds, pushes the image and rolls it out to the two services.
resource "google_service_account" "deployer" {
  account_id   = "reelsmith-deployer"
  display_name = "reelsmith Cloud Build deployer"
  depends_on   = [google_project_service.required]
}

# --- api -----------------------------------------------------------------------------------

# Firestore grants only at project level; the condition narrows it to the service's database.
resource "google_project_iam_member" "api_datastore_user" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.api.email}"

  condition {
    title       = "reelsmith database only"
    description = "The Firestore database the services use, not the project's other databases."
    expression  = local.firestore_database_condition
  }
}

# A new task's render; a cancelled task's callback.
resource "google_cloud_tasks_queue_iam_member" "api_enqueuer" {
  project  = var.project_id
  location = google_cloud_tasks_queue.render.location
  name     = google_cloud_tasks_queue.render.name
  role     = "roles/cloudtasks.enqueuer"
  member   = "serviceAccount:${google_service_account.api.email}"
}

resource "google_cloud_tasks_queue_iam_member" "api_enqueues_callbacks" {
  project  = var.project_id
  location = google_cloud_tasks_queue.callbacks.location
  name     = google_cloud_tasks_queue.callbacks.name
  role     = "roles/cloudtasks.enqueuer"
  member   = "serviceAccount:${google_service_account.api.email}"
}

# Creating a task with an OIDC token for the invoker account means acting as that account.
resource "google_service_account_iam_member" "api_acts_as_invoker" {
  service_account_id = google_service_account.tasks_invoker.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.api.email}"
}

# Signed download URLs: no key file on Cloud Run, so the api signs through IAM signBlob on itself
# and must be able to read what it signs.
resource "google_service_account_iam_member" "api_signs_as_itself" {
  service_account_id = google_service_account.api.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.api.email}"
}

resource "google_storage_bucket_iam_member" "api_reads_media" {
  bucket = google_storage_bucket.media.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.api.email}"
}

# Recordings sent to POST /v1/uploads: the api creates objects under uploads/ and nowhere else,
# and never overwrites or deletes one (the bucket's lifecycle rule deletes them).
resource "google_storage_bucket_iam_member" "api_creates_uploads" {
  bucket = google_storage_bucket.media.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.api.email}"

  condition {
    title       = "uploads only"
    description = "Recordings sent to POST /v1/uploads, under uploads/."
    expression  = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.media.name}/objects/uploads/\")"
  }
}

resource "google_secret_manager_secret_iam_member" "api_secrets" {
  for_each = local.api_secrets

  project   = var.project_id
  secret_id = each.value.secret
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.api.email}"
}

# --- worker --------------------------------------------------------------------------------

resource "google_project_iam_member" "worker_datastore_user" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.worker.email}"

  condition {
    title       = "reelsmith database only"
    description = "The Firestore database the services use, not the project's other databases."
    expression  = local.firestore_database_condition
  }
}

# Create, read, overwrite and delete objects: what the worker does with videos and plans. Not
# objectAdmin, which also lets it change the objects' access control.
resource "google_storage_bucket_iam_member" "worker_writes_media" {
  bucket = google_storage_bucket.media.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.worker.email}"
}

# The sweeper asks the render queue again for a task whose delivery was lost; the worker asks
# the callbacks queue for the callback of a task it ended (and the sweeper for a lost one).
resource "google_cloud_tasks_queue_iam_member" "worker_enqueues_renders" {
  project  = var.project_id
  location = google_cloud_tasks_queue.render.location
  name     = google_cloud_tasks_queue.render.name
  role     = "roles/cloudtasks.enqueuer"
  member   = "serviceAccount:${google_service_account.worker.email}"
}

resource "google_cloud_tasks_queue_iam_member" "worker_enqueues_callbacks" {
  project  = var.project_id
  location = google_cloud_tasks_queue.callbacks.location
  name     = google_cloud_tasks_queue.callbacks.name
  role     = "roles/cloudtasks.enqueuer"
  member   = "serviceAccount:${google_service_account.worker.email}"
}

# Its jobs carry an OIDC token of the invoker account, like the api's.
resource "google_service_account_iam_member" "worker_acts_as_invoker" {
  service_account_id = google_service_account.tasks_invoker.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.worker.email}"
}

# A callback carries the task view with a signed download URL, signed by the worker.
resource "google_service_account_iam_member" "worker_signs_as_itself" {
  service_account_id = google_service_account.worker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.worker.email}"
}

resource "google_secret_manager_secret_iam_member" "worker_secrets" {
  for_each = local.worker_secrets

  project   = var.project_id
  secret_id = each.value.secret
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.worker.email}"
}

# --- Cloud Tasks invoker -------------------------------------------------------------------

resource "google_cloud_run_v2_service_iam_member" "invoker_runs_worker" {
  count = local.deploy_services ? 1 : 0

  project  = var.project_id
  location = google_cloud_run_v2_service.worker[0].location
  name     = google_cloud_run_v2_service.worker[0].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.tasks_invoker.email}"
}

# --- deployer (Cloud Build) ----------------------------------------------------------------

# Deploy revisions of these two services only, and not change who may invoke them (that is
# run.admin): the worker stays private whatever a build does.
resource "google_cloud_run_v2_service_iam_member" "deployer_updates_services" {
  for_each = local.deploy_services ? {
    api    = google_cloud_run_v2_service.api[0].name
    worker = google_cloud_run_v2_service.worker[0].name
  } : {}

  project  = var.project_id
  location = var.region
  name     = each.value
  role     = "roles/run.developer"
  member   = "serviceAccount:${google_service_account.deployer.email}"
}

# A build with its own service account must send its logs to Cloud Logging.
resource "google_project_iam_member" "deployer_log_writer" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.deployer.email}"
}

resource "google_artifact_registry_repository_iam_member" "deployer_pushes_images" {
  project    = var.project_id
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.deployer.email}"
}

resource "google_storage_bucket_iam_member" "deployer_reads_sources" {
  bucket = google_storage_bucket.build.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.deployer.email}"
}

# A new revision runs as the service's account, so deploying it means acting as that account.
resource "google_service_account_iam_member" "deployer_acts_as_runtime" {
  for_each = {
    api    = google_service_account.api.name
    worker = google_service_account.worker.name
  }

  service_account_id = each.value
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.deployer.email}"
}
