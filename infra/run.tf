locals {
  # Settings both services share: the Google Cloud adapters and the retention window.
  common_env = {
    TASK_STORE           = "firestore"
    BLOB_STORE           = "gcs"
    GOOGLE_CLOUD_PROJECT = var.project_id
    GCS_BUCKET           = google_storage_bucket.media.name
    FIRESTORE_COLLECTION = var.firestore_collection
    RETENTION_DAYS       = tostring(var.retention_days)
    SIGNED_URL_TTL_S     = tostring(var.signed_url_ttl_seconds)
    LOG_LEVEL            = var.log_level
  }

  # The language model that writes scripts from a topic (docs/configuration.md), on both services;
  # without a base URL a topic is refused with 422 and these stay unset.
  llm_env = var.llm_base_url == null ? {} : {
    LLM_BASE_URL        = var.llm_base_url
    LLM_MODEL           = var.llm_model
    LLM_TIMEOUT_SECONDS = tostring(var.llm_timeout_seconds)
  }

  worker_env = {
    FUNCTION_TARGET = "worker"
    # The renders one instance runs at once; Cloud Run's concurrency is one more (main.tf).
    MAX_CONCURRENT_TASKS = tostring(local.worker_render_slots)
    RENDER_CPUS          = tostring(local.worker_cpus)
    MAX_ATTEMPTS         = tostring(var.max_attempts)
    # The in-memory volume below; TMPDIR too, so nothing else writes to the unbounded rootfs.
    SCRATCH_DIR = "/scratch"
    TMPDIR      = "/scratch"
  }

  api_env = {
    FUNCTION_TARGET = "api"
  }

  # Both services enqueue: the api a new task's render and a cancel's callback; the worker the
  # callback of a task it ended and, as the sweeper, what the queues lost. Every job is an OIDC
  # task of the invoker account to the worker.
  dispatch_env = {
    DISPATCHER           = "cloudtasks"
    TASKS_QUEUE          = google_cloud_tasks_queue.render.name
    TASKS_CALLBACK_QUEUE = google_cloud_tasks_queue.callbacks.name
    TASKS_LOCATION       = google_cloud_tasks_queue.render.location
    WORKER_URL           = local.worker_url
    TASKS_INVOKER_SA     = google_service_account.tasks_invoker.email
  }
}

# The worker: renders one task per request, inside the Cloud Tasks request (CPU is only
# allocated during requests); sends callbacks (the callbacks queue) and sweeps (Cloud Scheduler).
# Private twice over: internal ingress keeps the internet from reaching it at all (Cloud Tasks
# and Cloud Scheduler in the same project count as internal when they call the run.app URL), and
# only the invoker account may call it.
resource "google_cloud_run_v2_service" "worker" {
  count = local.deploy_services ? 1 : 0

  name                = var.worker_service_name
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  deletion_protection = false
  # The OIDC audience every caller uses (local.worker_url), accepted whichever run.app URL the
  # service reports as its own.
  custom_audiences = [local.worker_url]

  template {
    service_account = google_service_account.worker.email
    # gen2: a full Linux kernel for ffmpeg, faster CPU and network than gen1's sandbox.
    execution_environment = "EXECUTION_ENVIRONMENT_GEN2"
    # Cloud Tasks waits at most 30 minutes for an HTTP task; the worker's own deadline
    # (TASK_DEADLINE_SECONDS, 28 min) ends an attempt before either gives up.
    timeout                          = "1800s"
    max_instance_request_concurrency = local.worker_concurrency

    scaling {
      min_instance_count = 0
      max_instance_count = var.worker_max_instances
    }

    # Cloud Run's filesystem is RAM. A sized volume turns a runaway render into ENOSPC for that
    # task instead of an out-of-memory kill of the instance (and of the other task on it).
    volumes {
      name = "scratch"
      empty_dir {
        medium     = "MEMORY"
        size_limit = var.worker_scratch_size
      }
    }

    containers {
      image = var.image

      resources {
        # 2 vCPU: x264 is CPU-bound and two renders run at once, so each gets a core. Billing is
        # per vCPU-second, so halving a render's wall time costs about the same CPU and halves
        # the time the 2 GiB is held (and the risk of reaching the 30 minute deadline).
        limits = {
          cpu    = tostring(local.worker_cpus)
          memory = "2Gi"
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      ports {
        container_port = 8080
      }

      volume_mounts {
        name       = "scratch"
        mount_path = "/scratch"
      }

      dynamic "env" {
        for_each = merge(local.common_env, local.dispatch_env, local.llm_env, local.worker_env)
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.worker_secrets
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = env.value.secret
              version = env.value.version
            }
          }
        }
      }

      # The worker checks ffmpeg, ffprobe and espeak-ng before it listens.
      # A check must end before the next one is due: a timeout below the period.
      startup_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 3
        timeout_seconds   = 2
        failure_threshold = 10
      }
    }
  }

  lifecycle {
    # cloudbuild.yaml rolls out new images; Terraform owns everything else.
    ignore_changes = [template[0].containers[0].image, client, client_version]
    # Cloud Run gives a service a deterministic URL only when "NAME-PROJECT_NUMBER" fits in a
    # DNS label; local.worker_url is that URL.
    precondition {
      condition     = length("${var.worker_service_name}-${data.google_project.this.number}") <= 63
      error_message = "var.worker_service_name is too long for a deterministic run.app URL (NAME-PROJECT_NUMBER must be at most 63 characters); choose a shorter name."
    }
    # LLM_BASE_URL without LLM_MODEL would stop both services at start-up (config.ts refuses it).
    precondition {
      condition     = var.llm_base_url == null || var.llm_model != null
      error_message = "var.llm_base_url is set without var.llm_model: name the model that writes the scripts, e.g. llm_model = \"gpt-4o-mini\"."
    }
  }

  depends_on = [
    google_secret_manager_secret_iam_member.worker_secrets,
    google_project_iam_member.worker_datastore_user,
    terraform_data.callback_secret_check,
  ]
}

# The api: validates, stores the task, enqueues it and answers; signs download URLs.
# Public, and protected by API keys in the app (it refuses to start on Cloud Run without them).
resource "google_cloud_run_v2_service" "api" {
  count = local.deploy_services ? 1 : 0

  name                = var.api_service_name
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = false

  template {
    service_account                  = google_service_account.api.email
    timeout                          = "60s"
    max_instance_request_concurrency = 80

    scaling {
      min_instance_count = 0
      max_instance_count = var.api_max_instances
    }

    containers {
      image = var.image

      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      ports {
        container_port = 8080
      }

      dynamic "env" {
        for_each = merge(local.common_env, local.dispatch_env, local.llm_env, local.api_env)
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.api_secrets
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = env.value.secret
              version = env.value.version
            }
          }
        }
      }

      # A check must end before the next one is due: a timeout below the period.
      startup_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 3
        timeout_seconds   = 2
        failure_threshold = 10
      }
    }
  }

  lifecycle {
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }

  depends_on = [
    google_secret_manager_secret_iam_member.api_secrets,
    google_project_iam_member.api_datastore_user,
  ]
}

resource "google_cloud_run_v2_service_iam_member" "api_public" {
  count = local.deploy_services ? 1 : 0

  project  = var.project_id
  location = google_cloud_run_v2_service.api[0].location
  name     = google_cloud_run_v2_service.api[0].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}
