locals {
  # Each worker instance renders this many tasks at once (MAX_CONCURRENT_TASKS: the worker answers
  # a render delivery beyond it 503). The 2 GiB memory budget is sized for it: node (~150 MiB) +
  # 2 ffmpeg processes (~400-500 MiB each at 1080p) + the scratch volume.
  worker_render_slots = 2
  # Cloud Run's request slots per instance: the renders' and one more, so that a callback delivery
  # or the sweep always finds a slot however busy the renders are (they would get Cloud Run's 429).
  worker_concurrency = local.worker_render_slots + 1
  # Encoder processes per instance (RENDER_CPUS): its vCPUs. Node would otherwise count the host's.
  worker_cpus = 2

  # The render queue never hands out more tasks than the workers can render at once; beyond that
  # Cloud Run would queue requests for 60 s and answer 429, which only costs retries.
  queue_max_concurrent_dispatches = var.worker_max_instances * local.worker_render_slots
  # Callback deliveries take the spare slot of each instance, and only that.
  callbacks_max_concurrent_dispatches = var.worker_max_instances * (local.worker_concurrency - local.worker_render_slots)

  bucket_name        = coalesce(var.bucket_name, "${var.project_id}-reelsmith-media")
  build_bucket_name  = "${var.project_id}-reelsmith-build"
  firestore_location = coalesce(var.firestore_location, var.region)
  image_repository   = "${var.region}-docker.pkg.dev/${var.project_id}/${var.artifact_repository}"

  # Both services exist only once there is an image to run (see var.image).
  deploy_services = var.image != null

  # The worker's deterministic run.app URL (https://SERVICE-PROJECT_NUMBER.REGION.run.app), known
  # before the service exists: the worker needs its own URL (it enqueues callbacks and the
  # sweeper's re-asks for itself), and a resource cannot refer to its own attributes. The api,
  # the worker and the scheduler all use this one URL, also as the OIDC audience.
  worker_url = "https://${var.worker_service_name}-${data.google_project.this.number}.${var.region}.run.app"

  # Every secret, with its pinned version; null versions (optional providers) are left out.
  secrets = {
    API_KEYS           = { secret = var.secret_names.api_keys, version = var.api_keys_version }
    CALLBACK_SECRET    = { secret = var.secret_names.callback_secret, version = var.callback_secret_version }
    ELEVENLABS_API_KEY = { secret = var.secret_names.elevenlabs_api_key, version = var.elevenlabs_api_key_version }
    PEXELS_API_KEY     = { secret = var.secret_names.pexels_api_key, version = var.pexels_api_key_version }
    LLM_API_KEY        = { secret = var.secret_names.llm_api_key, version = var.llm_api_key_version }
  }
  # Each service reads only the secrets it uses: the api checks client keys and lists the voice
  # provider's voices; the worker calls the providers and signs every callback (the api only
  # records a cancel's event and asks for it).
  # The api lists voices (GET /v1/voices, MCP list_voices) from the provider the worker speaks
  # with, so it reads the ElevenLabs key too (when there is one).
  # Both write scripts from a topic: the api for POST /v1/scripts, the worker as a task's first stage.
  api_secrets    = { for name in ["API_KEYS", "ELEVENLABS_API_KEY", "LLM_API_KEY"] : name => local.secrets[name] if local.secrets[name].version != null }
  worker_secrets = { for name in ["CALLBACK_SECRET", "ELEVENLABS_API_KEY", "PEXELS_API_KEY", "LLM_API_KEY"] : name => local.secrets[name] if local.secrets[name].version != null }
}

data "google_project" "this" {
  project_id = var.project_id
}
