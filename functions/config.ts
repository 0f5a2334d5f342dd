// The one place that reads the environment. Everything else receives a typed Config.
import { z } from 'zod';
import { ConfigError } from './errors.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ROLES = ['local', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const EnvSchema = z.object({
  PORT: int(0, 65535).default(8080),
  /** Which routes this process serves: `api`, `worker`, or both (`local`). functions-framework sets it to the function's name. */
  FUNCTION_TARGET: z.enum(ROLES, { error: 'must be api, worker or local' }).optional(),
  /** Where the local task store, blobs and signing secret live. */
  DATA_DIR: z.string().min(1).default('.data'),
  /** Parent of the per-task scratch dirs; Cloud Run's /tmp is RAM, so point it at a sized volume there. */
  SCRATCH_DIR: z.string().min(1).optional(),
  MAX_CONCURRENT_TASKS: int(1, 64).default(2),
  MAX_QUEUED_TASKS: int(1, 100_000).default(100),
  /** Unfinished tasks one API key may have (with API_KEYS; without keys every client counts as one). */
  MAX_QUEUED_PER_KEY: int(1, 100_000).default(50),
  /** Tasks one API key may submit per minute; more are answered 429 with Retry-After. */
  SUBMITS_PER_MINUTE: int(1, 100_000).default(60),
  /** How often the sweeper runs in local mode (Cloud Scheduler runs it in the cloud). */
  SWEEP_INTERVAL_SECONDS: int(5, 86_400).default(60),
  /** A queued task untouched this long, or a lease expired this long ago, has lost its delivery: the sweeper asks again. */
  SWEEP_STALE_SECONDS: int(60, 86_400).default(1800),
  /** How long a worker holds a claimed task without renewing it. */
  LEASE_SECONDS: int(2, 3600).default(60),
  /** A task whose attempts exceed this fails for good instead of being retried again. */
  MAX_ATTEMPTS: int(1, 100).default(5),
  /** The worker's own deadline per attempt; below Cloud Tasks' 30 minute dispatch deadline. */
  TASK_DEADLINE_SECONDS: int(10, 1740).default(1680),
  MAX_BODY_BYTES: int(1024, 10 * 1024 * 1024).default(256 * 1024),
  /**
   * Uploads an api process receives at once; more are answered 503 with Retry-After. Each is a file
   * in TMPDIR, which is memory on Cloud Run (512 MiB for the api): 3 of 32 MiB, and a copy each.
   */
  MAX_CONCURRENT_UPLOADS: int(1, 64).default(3),
  /** Longest recorded narration (voiceover) accepted, seconds: an upload's or a voiceover URL's. */
  MAX_NARRATION_SECONDS: int(5, 3600).default(600),
  /**
   * Largest file POST /v1/uploads (and a voiceover URL's download) takes, bytes. Cloud Run refuses
   * HTTP/1 requests over 32 MiB before they reach us, so that is the default: ten minutes of MP3
   * or Opus, or three of 44.1 kHz mono WAV.
   */
  MAX_UPLOAD_BYTES: int(64 * 1024, 1024 * 1024 * 1024).default(32 * 1024 * 1024),
  /** Time a client gets to send a whole request (headers and body); answering it may take longer. */
  REQUEST_TIMEOUT_SECONDS: int(1, 600).default(30),

  ELEVENLABS_API_KEY: z.string().min(1).optional(),
  ELEVENLABS_BASE_URL: z.url().default('https://api.elevenlabs.io'),
  ELEVENLABS_MODEL_ID: z.string().min(1).default('eleven_multilingual_v2'),
  VOICE_ID: z.string().min(1).optional(),
  PEXELS_API_KEY: z.string().min(1).optional(),
  PEXELS_BASE_URL: z.url().default('https://api.pexels.com'),
  /** Pexels searches one video may make (cached answers are free); keep it well under the hourly limit. */
  PEXELS_SEARCHES_PER_VIDEO: int(1, 200).default(16),
  /** Pexels requests per hour this process stays under: 200 is Pexels' default per key; raise it for a key granted more. */
  PEXELS_HOURLY_LIMIT: int(1, 1_000_000).default(200),
  /**
   * An OpenAI-compatible Chat Completions API that writes scripts from a topic: its root with the
   * version path (https://api.openai.com/v1, https://generativelanguage.googleapis.com/v1beta/openai,
   * http://localhost:11434/v1 for Ollama); unset, a topic is refused.
   */
  LLM_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.openai.com/v1' }).optional(),
  /** Sent as `Authorization: Bearer`; local servers (Ollama, vLLM) need none. */
  LLM_API_KEY: z.string().min(1).optional(),
  /** The model that writes, e.g. gpt-4o-mini, gemini-2.5-flash, llama3.1; one that supports structured outputs (json_schema). */
  LLM_MODEL: z.string().min(1).optional(),
  /** Deadline of one request to the model, the whole answer included; a local model on a CPU needs minutes. */
  LLM_TIMEOUT_SECONDS: int(5, 900).default(120),
  /** A clip shown in the owner's last this-many videos is not chosen again while others are available (0: off). */
  FRESHNESS_WINDOW: int(0, 1000).default(20),

  /** x264 preset and quality of the render: faster presets trade file size for speed. */
  RENDER_PRESET: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium']).default('veryfast'),
  RENDER_CRF: int(15, 35).default(23),
  /** Cores the renders of this process may keep busy at once (one per chunk encoder); all of them by default. */
  RENDER_CPUS: int(1, 64).optional(),
  /** Narrations longer than this are rendered by chunk deliveries on any worker instance; 0 never fans out. */
  FANOUT_MIN_SECONDS: int(0, 100_000).default(90),
  FFMPEG_PATH: z.string().min(1).optional(),
  FFPROBE_PATH: z.string().min(1).optional(),
  ESPEAK_PATH: z.string().min(1).default('espeak-ng'),
  FOOTAGE_DIR: z.string().min(1).optional(),
  /**
   * Limits of outside media (clips, music), checked by the probe gate before any decode; the
   * defaults are in media/limits.ts (4096 a side, 4096x2160 pixels, 240 fps, 1800 s, 16 streams).
   */
  MEDIA_MAX_SIDE: int(16, 16_384).optional(),
  MEDIA_MAX_PIXELS: int(256, 16_384 * 16_384).optional(),
  MEDIA_MAX_FPS: int(1, 1000).optional(),
  MEDIA_MAX_DURATION_S: int(1, 86_400).optional(),
  MEDIA_MAX_STREAMS: int(1, 64).optional(),
  /** Limits of a photo (a still image): 8192 a side and 24 megapixels by default. */
  MEDIA_MAX_STILL_SIDE: int(16, 16_384).optional(),
  MEDIA_MAX_STILL_PIXELS: int(256, 16_384 * 16_384).optional(),
  /** Background music by mood: one subfolder per mood (chill/, upbeat/…) of audio files the operator owns. */
  MUSIC_DIR: z.string().min(1).optional(),

  TASK_STORE: z.enum(['local', 'firestore']).default('local'),
  BLOB_STORE: z.enum(['local', 'gcs']).default('local'),
  DISPATCHER: z.enum(['local', 'cloudtasks']).default('local'),
  GOOGLE_CLOUD_PROJECT: z.string().min(1).optional(),
  GCS_BUCKET: z.string().min(1).optional(),
  FIRESTORE_COLLECTION: z.string().min(1).default('reelsmith_tasks'),
  /** host:port of a Firestore emulator (tests, `npm run cloud-local`). */
  FIRESTORE_EMULATOR_HOST: z.string().min(1).optional(),
  TASKS_QUEUE: z.string().min(1).optional(),
  /** The Cloud Tasks queue of callback deliveries (retried for a day); `<TASKS_QUEUE>-callbacks` by default. */
  TASKS_CALLBACK_QUEUE: z.string().min(1).optional(),
  TASKS_LOCATION: z.string().min(1).optional(),
  WORKER_URL: z.url().optional(),
  /**
   * The worker processes the local dispatcher spreads its deliveries over (comma-separated URLs),
   * instead of WORKER_URL: `npm run cloud-local` runs two, so chunks of a long video really
   * render in different processes.
   */
  LOCAL_WORKER_URLS: list.pipe(z.array(z.url())).optional(),
  TASKS_INVOKER_SA: z.string().min(1).optional(),
  /** Public base URL of this service, used in status_url/download_url and local signed URLs. */
  PUBLIC_URL: z.url().optional(),

  SIGNED_URL_TTL_S: int(60, 604_800).default(3600),
  /** Days a finished task and its files are kept (Firestore TTL, bucket lifecycle, local sweep). */
  RETENTION_DAYS: int(1, 3650).default(7),
  API_KEYS: list.default([]),
  /** Explicit opt-in to run without API keys on Cloud Run. */
  ALLOW_UNAUTHENTICATED: bool.default(false),
  /** HMAC key of callback signatures: at least 32 characters (`openssl rand -hex 32` makes 64). */
  CALLBACK_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters; make one with: openssl rand -hex 32')
    .refine((s) => s.trim() === s, 'must not start or end with whitespace (a trailing newline from the file it came from?)')
    .optional(),
  /** Development only: let callback and clip URLs reach loopback/private addresses, on any port. */
  ALLOW_PRIVATE_URLS: bool.default(false),
  /** Ports callback, clip and music URLs may name; 80 and 443 when unset (net/url-guard.ts). */
  ALLOWED_URL_PORTS: list
    .pipe(z.array(z.string().regex(/^\d{1,5}$/, 'must be port numbers, e.g. 80,443').transform(Number).pipe(z.number().int().min(1).max(65_535))).min(1))
    .optional(),
  /** Bytes one task's downloads (clips, music) may hold in its scratch dir at once. */
  TASK_SCRATCH_BYTES: int(16 * 1024 * 1024, 64 * 1024 * 1024 * 1024).default(256 * 1024 * 1024),
  /** Downloads running at once in this process, across all its tasks. */
  MAX_CONCURRENT_DOWNLOADS: int(1, 64).default(4),
  /** Cloud Run sets this; its presence means "production". */
  K_SERVICE: z.string().optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type Config = z.infer<typeof EnvSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg = parsed.data;
  const problems: string[] = [];
  const need = (cond: boolean, msg: string) => cond || problems.push(`  ${msg}`);
  if (cfg.TASK_STORE === 'firestore' || cfg.DISPATCHER === 'cloudtasks') {
    need(!!cfg.GOOGLE_CLOUD_PROJECT, 'GOOGLE_CLOUD_PROJECT: required with TASK_STORE=firestore or DISPATCHER=cloudtasks');
  }
  if (cfg.BLOB_STORE === 'gcs') need(!!cfg.GCS_BUCKET, 'GCS_BUCKET: required with BLOB_STORE=gcs');
  if (cfg.DISPATCHER === 'cloudtasks') {
    for (const k of ['TASKS_QUEUE', 'TASKS_LOCATION', 'WORKER_URL', 'TASKS_INVOKER_SA'] as const) {
      need(!!cfg[k], `${k}: required with DISPATCHER=cloudtasks`);
    }
  }
  if (cfg.LLM_BASE_URL) need(!!cfg.LLM_MODEL, 'LLM_MODEL: required with LLM_BASE_URL (the model that writes scripts, e.g. gpt-4o-mini, gemini-2.5-flash, llama3.1)');
  if (!cfg.LLM_BASE_URL) {
    for (const k of ['LLM_MODEL', 'LLM_API_KEY'] as const) need(!cfg[k], `${k}: set, but LLM_BASE_URL is not: set LLM_BASE_URL to the Chat Completions API's root (https://api.openai.com/v1 for OpenAI)`);
  }
  if (cfg.PEXELS_SEARCHES_PER_VIDEO > cfg.PEXELS_HOURLY_LIMIT) {
    problems.push(`  PEXELS_SEARCHES_PER_VIDEO: ${cfg.PEXELS_SEARCHES_PER_VIDEO} is more than PEXELS_HOURLY_LIMIT (${cfg.PEXELS_HOURLY_LIMIT}); one video could use up the hour`);
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  return cfg;
}

/** On Cloud Run an api without keys is open to the internet; refuse unless asked for explicitly. */
export function assertSafeToServe(cfg: Config): void {
  if (cfg.K_SERVICE && cfg.API_KEYS.length === 0 && !cfg.ALLOW_UNAUTHENTICATED) {
    throw new ConfigError(
      'invalid configuration:\n  API_KEYS: required on Cloud Run (K_SERVICE is set); ' +
        'set API_KEYS=key1,key2 or ALLOW_UNAUTHENTICATED=true to serve without keys',
    );
  }
}
