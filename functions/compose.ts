// The composition root: the only place that picks adapters from config and wires them together.
// Google Cloud adapters are imported lazily, so local mode never loads the Cloud SDKs.
import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp, type App } from './app.ts';
import { ApiKeys } from './api/auth.ts';
import type { Handler } from './api/http.ts';
import type { Config, Role } from './config.ts';
import { every } from './lib/every.ts';
import { Semaphore } from './lib/semaphore.ts';
import type { Logger } from './log.ts';
import { checkMediaTools, resolveMediaTools, type MediaTools } from './media/tools.ts';
import { footageOrder } from './pipeline/footage.ts';
import type { PipelineDeps } from './pipeline/pipeline-deps.ts';
import { planPrefix } from './pipeline/plan-store.ts';
import { storyboardPrefix } from './pipeline/storyboard-plan.ts';
import { LocalBlobStore } from './platform/local-blob-store.ts';
import { CALLBACK_GIVE_UP_MS, type CallbackDeps } from './delivery/deliver.ts';
import { sweepAll, type AnySweepDeps, type SweepDeps } from './delivery/sweep.ts';
import { defaultQueuePolicies, LocalDispatcher, requeueOwed, requeueOwedBatches } from './platform/local-dispatcher.ts';
import { storyboardJob } from './platform/jobs.ts';
import { purgeExpired } from './platform/local-retention.ts';
import { loadOrCreateSecret } from './platform/local-secret.ts';
import { StoryboardStore, TaskStore } from './platform/leased-store.ts';
import { LocalStoryboardStore, LocalTaskStore } from './platform/local-task-store.ts';
import { LocalTemplateStore } from './platform/local-template-store.ts';
import type { BatchStore, BlobStore, Dispatcher, TemplateStore } from './platform/ports.ts';
import { withSignedUrlCache } from './platform/signed-url-cache.ts';
import { DirFootage } from './providers/dir-footage.ts';
import { ElevenLabsSpeech } from './providers/elevenlabs.ts';
import { EspeakSpeech } from './providers/espeak-speech.ts';
import { checkEspeak } from './providers/espeak-voices.ts';
import { GeneratedFootage } from './providers/generated-footage.ts';
import { MusicLibrary } from './providers/music-library.ts';
import { PexelsFootage } from './providers/pexels.ts';
import { PexelsClient } from './providers/pexels-client.ts';
import type { Aligner, SpeechProvider } from './providers/ports.ts';
import { ElevenLabsAligner } from './providers/elevenlabs-aligner.ts';
import { EspeakAligner } from './providers/espeak-aligner.ts';
import { scriptWriterFromConfig } from './providers/script-writer.ts';
import { UrlFootage } from './providers/url-footage.ts';
import { RunningTasks } from './worker/running-tasks.ts';
import { checkScratchWritable, sweepScratch } from './worker/scratch.ts';

export interface Runtime {
  /** The HTTP app on node:http. */
  handle: Handler;
  /** The same app on web Request/Response (in-process callers: MCP, tests). */
  fetch: (req: Request) => Promise<Response>;
  /** The routes the app serves (method, hono path). */
  routes: App['routes'];
  store: TaskStore;
  /** Storyboards' records, in a store of their own (see createTaskStores). */
  storyboards: StoryboardStore;
  blobs: BlobStore;
  dispatcher: Dispatcher;
  running: RunningTasks;
  /** The base URL clients reach this process on (known once the server listens). */
  setPublicUrl(url: string): void;
  /** Sweep stale scratch dirs and re-enqueue what the store says is owed (local dispatcher). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface ComposeOptions {
  log: Logger;
  /** Where this process's own server listens: the local dispatcher delivers there. */
  selfUrl: () => string;
}

/** How long shutdown waits for running tasks to hand themselves back (Cloud Run allows 10 s in all). */
const DRAIN_MS = 7_000;

export async function compose(cfg: Config, role: Role, opts: ComposeOptions): Promise<Runtime> {
  const { log } = opts;
  const dataDir = resolve(cfg.DATA_DIR);
  // Under DATA_DIR by default, so two local instances never sweep each other's scratch.
  const scratchDir = resolve(cfg.SCRATCH_DIR ?? join(dataDir, 'scratch'));
  const runsWorker = role !== 'api';
  let publicUrl = cfg.PUBLIC_URL ?? opts.selfUrl();

  const tools = resolveMediaTools(cfg);
  if (runsWorker) {
    // Fail fast: a worker without ffmpeg or a voice would accept tasks it can only fail.
    await checkMediaTools(tools);
    if (!cfg.ELEVENLABS_API_KEY) await checkEspeak(cfg.ESPEAK_PATH);
    await checkScratchWritable(scratchDir);
  }

  const { store, storyboards, batches, templates, local } = await createTaskStores(cfg, dataDir);
  const localFiles = cfg.BLOB_STORE === 'local' ? new LocalBlobStore({ dir: join(dataDir, 'blobs'), publicUrl: () => publicUrl }) : null;
  const blobs: BlobStore = localFiles ?? withSignedUrlCache(await createGcsBlobStore(cfg));
  const dispatchToken = cfg.DISPATCHER === 'local' ? randomBytes(16).toString('hex') : null;
  const dispatcher: Dispatcher =
    cfg.DISPATCHER === 'local'
      ? new LocalDispatcher({
          workerUrls: () => cfg.LOCAL_WORKER_URLS ?? [cfg.WORKER_URL ?? opts.selfUrl()],
          // As the render queue in infra/: every worker's concurrency, so a long video's chunks
          // keep all of them busy.
          queues: defaultQueuePolicies({ maxConcurrentRenders: cfg.MAX_CONCURRENT_TASKS * (cfg.LOCAL_WORKER_URLS?.length ?? 1), renderDeadlineMs: (cfg.TASK_DEADLINE_SECONDS + 60) * 1000 }),
          headers: { 'x-reelsmith-dispatch-token': dispatchToken ?? '' },
          log: log.child({ component: 'dispatcher' }),
        })
      : await createCloudTasksDispatcher(cfg);

  const instanceId = `${hostname()}:${process.pid}`;
  // Only the worker sends callbacks, so only it needs the signing secret (the api records a
  // cancel's event and asks the callbacks queue for it).
  const callbacks: CallbackDeps | null = runsWorker
    ? {
        store,
        batches,
        dispatcher,
        blobs,
        signedUrlTtlS: cfg.SIGNED_URL_TTL_S,
        // A worker of its own (Cloud Run) knows the api's URL only by PUBLIC_URL.
        apiUrl: () => (role === 'local' ? publicUrl : (cfg.PUBLIC_URL ?? null)),
        secret: cfg.CALLBACK_SECRET ?? loadOrCreateSecret(join(dataDir, 'callback-secret')).toString('utf8').trim(),
        allowPrivate: cfg.ALLOW_PRIVATE_URLS,
        ...(cfg.ALLOWED_URL_PORTS ? { allowedPorts: cfg.ALLOWED_URL_PORTS } : {}),
        log: log.child({ component: 'callbacks' }),
        instanceId,
        giveUpAfterMs: CALLBACK_GIVE_UP_MS,
      }
    : null;
  const sweeper: SweepDeps = {
    store,
    dispatcher,
    log: log.child({ component: 'sweeper' }),
    policy: {
      maxAttempts: cfg.MAX_ATTEMPTS,
      staleMs: cfg.SWEEP_STALE_SECONDS * 1000,
      // Longer than the callback queue's longest backoff (an hour): a job in backoff is still alive.
      callbackStaleMs: 2 * 3_600_000,
      callbackLostMs: 5 * 60_000,
    },
  };
  const sweepers: AnySweepDeps[] = [
    { ...sweeper, dropFiles: (id) => blobs.deletePrefix(planPrefix(id)) },
    { ...sweeper, store: storyboards, jobFor: storyboardJob, dropFiles: (id) => blobs.deletePrefix(storyboardPrefix(id)) },
  ];
  const sweepEverything = () => sweepAll(sweepers, { batches, dispatcher: sweeper.dispatcher, policy: sweeper.policy, log: sweeper.log });

  const music = cfg.MUSIC_DIR ? new MusicLibrary(cfg.MUSIC_DIR) : null;
  const running = new RunningTasks();
  const timers: NodeJS.Timeout[] = [];
  const shutdown = new AbortController();
  const pipeline = createPipeline(cfg, tools, log, {
    music,
    recentClips: async (owner) => new Set(await store.recentClipIds(owner, cfg.FRESHNESS_WINDOW)),
  });

  const app = createApp({
    cfg,
    log,
    role,
    api:
      role === 'worker'
        ? null
        : {
            cfg,
            store,
            storyboards,
            batches,
            templates,
            blobs,
            dispatcher,
            keys: new ApiKeys(cfg.API_KEYS),
            log,
            stopRunning: (id) => running.stop(id),
            music,
            limits: { maxUnfinished: cfg.MAX_QUEUED_TASKS, maxUnfinishedPerOwner: cfg.MAX_QUEUED_PER_KEY, perMinutePerOwner: cfg.SUBMITS_PER_MINUTE },
            speech: pipeline.speech,
            scripts: pipeline.scripts,
            tools,
          },
    worker: runsWorker
      ? {
          store,
          storyboards,
          pipeline,
          blobs,
          scratchDir,
          downloads: { bytesPerTask: cfg.TASK_SCRATCH_BYTES, slots: new Semaphore(cfg.MAX_CONCURRENT_DOWNLOADS) },
          renderSlots: new Semaphore(cfg.MAX_CONCURRENT_TASKS),
          leaseMs: cfg.LEASE_SECONDS * 1000,
          maxAttempts: cfg.MAX_ATTEMPTS,
          deadlineMs: cfg.TASK_DEADLINE_SECONDS * 1000,
          dispatcher,
          log,
          instanceId,
          shutdown: shutdown.signal,
          running,
        }
      : null,
    callbacks,
    sweep: runsWorker ? sweepEverything : null,
    localFiles,
    // The worker route of a local process is only for its own dispatcher; on Cloud Run the
    // worker service is private and Cloud Tasks authenticates with an OIDC token instead.
    dispatchToken: role === 'local' ? dispatchToken : null,
  });

  return {
    handle: app.handle,
    fetch: app.fetch,
    routes: app.routes,
    store,
    storyboards,
    blobs,
    dispatcher,
    running,
    setPublicUrl(url) {
      publicUrl = url;
    },
    async start() {
      if (runsWorker) await sweepScratch(scratchDir, log);
      // A worker with a local dispatcher (the cloud path on one machine) queues its own callbacks.
      if (cfg.DISPATCHER === 'local') {
        await requeueOwed(store, dispatcher, log, { renders: role !== 'worker' });
        await requeueOwedBatches(batches, dispatcher, log);
      }
      if (cfg.DISPATCHER === 'local' && role !== 'worker') {
        await requeueOwed(storyboards, dispatcher, log, { renders: true, jobFor: storyboardJob });
        // Cloud Scheduler sweeps in the cloud; here a timer does, with the retention purge (also
        // at start-up: a process that never runs an hour still keeps RETENTION_DAYS).
        timers.push(every(cfg.SWEEP_INTERVAL_SECONDS * 1000, sweepEverything, (err) => log.warn({ err: (err as Error).message }, 'sweep failed; the next one tries again')));
        if (local && localFiles) {
          const purge = () => purgeExpired(local.tasks, localFiles, log, local.storyboards);
          const purgeFailed = (err: unknown) => log.warn({ err: (err as Error).message }, 'retention purge failed; the next one tries again');
          timers.push(every(3_600_000, purge, purgeFailed));
          void purge().catch(purgeFailed);
        }
      }
    },
    async close() {
      for (const t of timers) clearInterval(t);
      await dispatcher.close();
      // Running tasks see the shutdown signal, kill ffmpeg and hand their task back to the queue.
      shutdown.abort();
      await running.drain(DRAIN_MS);
      // The storyboards' Firestore store shares the tasks' client: it goes first.
      await storyboards.close();
      await templates.close();
      await store.close();
    },
  };
}

/** The pipeline's providers from config: the worker's, and the CLI's in-process render. */
export function createPipeline(
  cfg: Config,
  tools: MediaTools,
  log: Logger,
  opts: { music: MusicLibrary | null; recentClips: (owner: string | null) => Promise<Set<string>> },
): PipelineDeps {
  return {
    tools,
    encode: { preset: cfg.RENDER_PRESET, crf: cfg.RENDER_CRF },
    fanout: cfg.FANOUT_MIN_SECONDS > 0 ? { minSeconds: cfg.FANOUT_MIN_SECONDS } : null,
    cpu: new Semaphore(cfg.RENDER_CPUS ?? availableParallelism()),
    speech: createSpeech(cfg, tools, log),
    scripts: scriptWriterFromConfig(cfg, log.child({ provider: 'llm' })),
    aligner: createAligner(cfg, tools, log),
    voiceover: { maxSeconds: cfg.MAX_NARRATION_SECONDS, maxBytes: cfg.MAX_UPLOAD_BYTES },
    footage: {
      sources: createFootageOrder(cfg, tools, log),
      generated: new GeneratedFootage(),
      searchesPerVideo: cfg.PEXELS_SEARCHES_PER_VIDEO,
      recentClips: opts.recentClips,
    },
    allowPrivateUrls: cfg.ALLOW_PRIVATE_URLS,
    ...(cfg.ALLOWED_URL_PORTS ? { allowedUrlPorts: cfg.ALLOWED_URL_PORTS } : {}),
    music: opts.music,
    log,
  };
}

/**
 * Videos' tasks, and storyboards in a store of their own: a storyboard has a task's lifecycle
 * (queued, leased, retried, swept, expiring) and records of its own kind, and nothing that lists,
 * counts or de-duplicates videos may ever see one. Locally a second SQLite file; on Firestore a
 * second collection, `<FIRESTORE_COLLECTION>_storyboards`, on the same client. `local` holds the
 * embedded adapters, whose retention this process purges itself.
 */
async function createTaskStores(cfg: Config, dataDir: string): Promise<{
  store: TaskStore;
  storyboards: StoryboardStore;
  /** Batches, beside the tasks they are made with (one transaction makes both). */
  batches: BatchStore;
  templates: TemplateStore;
  local: { tasks: LocalTaskStore; storyboards: LocalStoryboardStore } | null;
}> {
  if (cfg.TASK_STORE === 'local') {
    const local = { tasks: new LocalTaskStore({ path: join(dataDir, 'tasks.sqlite') }), storyboards: new LocalStoryboardStore({ path: join(dataDir, 'storyboards.sqlite') }) };
    return {
      store: new TaskStore(local.tasks),
      storyboards: new StoryboardStore(local.storyboards),
      batches: local.tasks.batches(),
      templates: new LocalTemplateStore({ path: join(dataDir, 'templates.sqlite') }),
      local,
    };
  }
  const { FirestoreTaskStore } = await import('./platform/firestore-task-store.ts');
  const tasks = new FirestoreTaskStore({
    projectId: cfg.GOOGLE_CLOUD_PROJECT!,
    collection: cfg.FIRESTORE_COLLECTION,
    ...(cfg.FIRESTORE_EMULATOR_HOST ? { emulatorHost: cfg.FIRESTORE_EMULATOR_HOST } : {}),
  });
  return {
    store: new TaskStore(tasks),
    storyboards: new StoryboardStore(tasks.storyboards(`${cfg.FIRESTORE_COLLECTION}_storyboards`)),
    batches: tasks.batches(),
    templates: tasks.templates(),
    local: null,
  };
}

async function createGcsBlobStore(cfg: Config): Promise<BlobStore> {
  const { GcsBlobStore } = await import('./platform/gcs-blob-store.ts');
  return new GcsBlobStore({ bucket: cfg.GCS_BUCKET!, projectId: cfg.GOOGLE_CLOUD_PROJECT });
}

async function createCloudTasksDispatcher(cfg: Config): Promise<Dispatcher> {
  const { CloudTasksDispatcher } = await import('./platform/cloud-tasks-dispatcher.ts');
  return new CloudTasksDispatcher({
    projectId: cfg.GOOGLE_CLOUD_PROJECT!,
    location: cfg.TASKS_LOCATION!,
    queues: { render: cfg.TASKS_QUEUE!, callbacks: cfg.TASKS_CALLBACK_QUEUE ?? `${cfg.TASKS_QUEUE}-callbacks` },
    workerUrl: cfg.WORKER_URL!,
    invokerServiceAccount: cfg.TASKS_INVOKER_SA!,
  });
}

function createSpeech(cfg: Config, tools: MediaTools, log: Logger): SpeechProvider {
  if (!cfg.ELEVENLABS_API_KEY) return new EspeakSpeech({ espeakPath: cfg.ESPEAK_PATH });
  return new ElevenLabsSpeech({
    apiKey: cfg.ELEVENLABS_API_KEY,
    baseUrl: cfg.ELEVENLABS_BASE_URL,
    modelId: cfg.ELEVENLABS_MODEL_ID,
    ...(cfg.VOICE_ID ? { defaultVoiceId: cfg.VOICE_ID } : {}),
    tools,
    log: log.child({ provider: 'elevenlabs' }),
  });
}

/** ElevenLabs' forced alignment with its key; otherwise espeak-ng's reading warped onto the recording, offline. */
function createAligner(cfg: Config, tools: MediaTools, log: Logger): Aligner {
  if (!cfg.ELEVENLABS_API_KEY) return new EspeakAligner({ espeakPath: cfg.ESPEAK_PATH, tools, log: log.child({ aligner: 'espeak-ng' }) });
  return new ElevenLabsAligner({ apiKey: cfg.ELEVENLABS_API_KEY, baseUrl: cfg.ELEVENLABS_BASE_URL, tools, log: log.child({ aligner: 'elevenlabs' }) });
}

function createFootageOrder(cfg: Config, tools: MediaTools, log: Logger) {
  const allowPrivate = cfg.ALLOW_PRIVATE_URLS;
  // One Pexels client for the process, for videos and photos: it remembers the rate-limit state
  // across tasks, and Pexels counts both against the same limits.
  const client = cfg.PEXELS_API_KEY
    ? new PexelsClient({ apiKey: cfg.PEXELS_API_KEY, baseUrl: cfg.PEXELS_BASE_URL, hourlyLimit: cfg.PEXELS_HOURLY_LIMIT, log: log.child({ provider: 'pexels' }) })
    : null;
  const pexels = (media: 'videos' | 'photos') => (client ? new PexelsFootage({ client, media, tools, allowPrivate, log: log.child({ provider: 'pexels', media }) }) : null);
  return footageOrder({
    urls: (urls, fields) =>
      new UrlFootage({ tools, allowPrivate, urls, fields, ...(cfg.ALLOWED_URL_PORTS ? { allowedPorts: cfg.ALLOWED_URL_PORTS } : {}) }),
    pexels: pexels('videos'),
    pexelsPhotos: pexels('photos'),
    dir: cfg.FOOTAGE_DIR ? new DirFootage({ tools, dir: cfg.FOOTAGE_DIR }) : null,
  });
}
