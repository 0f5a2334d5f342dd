variable "project_id" {
  description = "The Google Cloud project to deploy into."
  type        = string
}

variable "region" {
  description = "Region of the Cloud Run services, the Cloud Tasks queue, the bucket and the image repository."
  type        = string
  default     = "europe-west1"
}

variable "firestore_location" {
  description = "Firestore location (a region such as europe-west1, or a multi-region such as eur3). Defaults to var.region. Cannot be changed once the database exists."
  type        = string
  default     = null
}

variable "image" {
  description = "The container image both services run, e.g. REGION-docker.pkg.dev/PROJECT/reelsmith/reelsmith:BUILD_ID. Leave unset on the first apply (nothing is built yet); later builds roll out through cloudbuild.yaml and Terraform leaves the image alone."
  type        = string
  default     = null
}

variable "api_service_name" {
  description = "Cloud Run service name of the public api."
  type        = string
  default     = "reelsmith-api"
}

variable "worker_service_name" {
  description = "Cloud Run service name of the private worker."
  type        = string
  default     = "reelsmith-worker"
}

variable "artifact_repository" {
  description = "Artifact Registry repository (Docker format) for the image."
  type        = string
  default     = "reelsmith"
}

variable "tasks_queue" {
  description = "Cloud Tasks queue of render deliveries; the callback deliveries' queue is this name with -callbacks. A deleted queue's name cannot be reused for about 7 days."
  type        = string
  default     = "reelsmith-render"
}

variable "firestore_collection" {
  description = "Firestore collection of the task documents (FIRESTORE_COLLECTION). Must match collectionGroup in infra/firestore.indexes.json."
  type        = string
  default     = "reelsmith_tasks"
}

variable "bucket_name" {
  description = "Cloud Storage bucket for the videos, captions and thumbnails. Defaults to PROJECT_ID-reelsmith-media."
  type        = string
  default     = null
}

variable "retention_days" {
  description = "Days a task and its files are kept: Firestore TTL (expire_at) and the bucket's lifecycle rule (RETENTION_DAYS)."
  type        = number
  default     = 7

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 3650 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a whole number of days between 1 and 3650."
  }
}

variable "signed_url_ttl_seconds" {
  description = "Lifetime of the download URLs the api hands out (SIGNED_URL_TTL_S). V4 signed URLs live at most 7 days."
  type        = number
  default     = 3600

  validation {
    condition     = var.signed_url_ttl_seconds >= 60 && var.signed_url_ttl_seconds <= 604800
    error_message = "signed_url_ttl_seconds must be between 60 and 604800 (7 days, the V4 maximum)."
  }
}

variable "worker_max_instances" {
  description = "Upper bound on worker instances. Each runs 2 renders at once (and keeps a third request slot for callbacks and the sweep), so the render queue dispatches at most twice this many tasks at a time."
  type        = number
  default     = 3

  validation {
    condition     = var.worker_max_instances >= 1 && var.worker_max_instances <= 100 && floor(var.worker_max_instances) == var.worker_max_instances
    error_message = "worker_max_instances must be a whole number between 1 and 100."
  }
}

variable "api_max_instances" {
  description = "Upper bound on api instances (the api only validates, stores and enqueues)."
  type        = number
  default     = 5

  validation {
    condition     = var.api_max_instances >= 1 && var.api_max_instances <= 100 && floor(var.api_max_instances) == var.api_max_instances
    error_message = "api_max_instances must be a whole number between 1 and 100."
  }
}

variable "max_attempts" {
  description = "Attempts per task before it fails for good (MAX_ATTEMPTS; the worker decides, the queue only redelivers)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_attempts >= 1 && var.max_attempts <= 20 && floor(var.max_attempts) == var.max_attempts
    error_message = "max_attempts must be a whole number between 1 and 20."
  }
}

variable "sweep_schedule" {
  description = "When Cloud Scheduler runs the sweeper (cron, UTC): it re-asks for render and callback deliveries a queue lost."
  type        = string
  default     = "*/5 * * * *"

  validation {
    condition     = length(split(" ", trimspace(var.sweep_schedule))) == 5
    error_message = "sweep_schedule must be a cron expression with five fields, e.g. \"*/5 * * * *\"."
  }
}

variable "worker_scratch_size" {
  description = "Size limit of the worker's in-memory scratch volume (/scratch). It counts against the worker's 2 GiB and is shared by its 2 concurrent renders."
  type        = string
  default     = "768Mi"

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.worker_scratch_size))
    error_message = "worker_scratch_size must be a quantity such as 768Mi or 1Gi."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of both services: debug, info, warn or error."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

# Secrets are created with gcloud (see infra/README.md), so their values never pass through
# Terraform or its state. Each is referenced by name and a pinned version number: an instance
# resolves a secret environment variable when it starts, and "latest" would let two instances of
# one revision run with different keys. Rotate by adding a version and raising the number here.

variable "secret_names" {
  description = "Secret Manager secret names."
  type = object({
    api_keys           = string
    callback_secret    = string
    elevenlabs_api_key = string
    pexels_api_key     = string
    llm_api_key        = string
  })
  default = {
    api_keys           = "reelsmith-api-keys"
    callback_secret    = "reelsmith-callback-secret"
    elevenlabs_api_key = "reelsmith-elevenlabs-api-key"
    pexels_api_key     = "reelsmith-pexels-api-key"
    llm_api_key        = "reelsmith-llm-api-key"
  }
}

variable "api_keys_version" {
  description = "Pinned version of the API_KEYS secret (comma-separated client keys). Required: on Cloud Run the api refuses to start without keys."
  type        = string

  validation {
    condition     = can(regex("^[1-9][0-9]*$", var.api_keys_version))
    error_message = "api_keys_version must be a version number such as \"1\" (not \"latest\")."
  }
}

variable "callback_secret_version" {
  description = "Pinned version of the CALLBACK_SECRET secret (at least 32 characters, no leading or trailing whitespace; signs the callbacks). Required: every instance must sign with the same secret. terraform apply checks the version before the worker uses it (secrets.tf)."
  type        = string

  validation {
    condition     = can(regex("^[1-9][0-9]*$", var.callback_secret_version))
    error_message = "callback_secret_version must be a version number such as \"1\" (not \"latest\")."
  }
}

variable "elevenlabs_api_key_version" {
  description = "Pinned version of the ELEVENLABS_API_KEY secret, or null to narrate with the built-in espeak-ng voice."
  type        = string
  default     = null

  validation {
    condition     = var.elevenlabs_api_key_version == null || can(regex("^[1-9][0-9]*$", var.elevenlabs_api_key_version))
    error_message = "elevenlabs_api_key_version must be null or a version number such as \"1\" (not \"latest\")."
  }
}

variable "pexels_api_key_version" {
  description = "Pinned version of the PEXELS_API_KEY secret, or null to use request clip URLs and generated backgrounds only."
  type        = string
  default     = null

  validation {
    condition     = var.pexels_api_key_version == null || can(regex("^[1-9][0-9]*$", var.pexels_api_key_version))
    error_message = "pexels_api_key_version must be null or a version number such as \"1\" (not \"latest\")."
  }
}

variable "llm_base_url" {
  description = "An OpenAI-compatible Chat Completions API (its root with the version path, e.g. https://api.openai.com/v1) that writes scripts from a topic, or null to refuse topics."
  type        = string
  default     = null

  validation {
    condition     = var.llm_base_url == null || can(regex("^https?://", var.llm_base_url))
    error_message = "llm_base_url must be null or an http(s) URL such as \"https://api.openai.com/v1\"."
  }
}

variable "llm_model" {
  description = "The model that writes scripts (one with structured outputs), required with llm_base_url."
  type        = string
  default     = null

  validation {
    condition     = var.llm_model == null || try(length(trimspace(var.llm_model)) > 0, false)
    error_message = "llm_model must be a model name such as \"gpt-4o-mini\"."
  }
}

variable "llm_timeout_seconds" {
  description = "Deadline of one request to the model, its whole answer included (LLM_TIMEOUT_SECONDS)."
  type        = number
  default     = 120

  validation {
    condition     = var.llm_timeout_seconds >= 5 && var.llm_timeout_seconds <= 900
    error_message = "llm_timeout_seconds must be between 5 and 900."
  }
}

variable "llm_api_key_version" {
  description = "Pinned version of the LLM_API_KEY secret, or null for a model that needs no key."
  type        = string
  default     = null

  validation {
    condition     = var.llm_api_key_version == null || can(regex("^[1-9][0-9]*$", var.llm_api_key_version))
    error_message = "llm_api_key_version must be null or a version number such as \"1\" (not \"latest\")."
  }
}
