// The composition root: the only place that picks adapters from config. Google Cloud adapters are
// imported lazily, so local mode never loads the Cloud SDKs.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp, type Role } from './app.ts';
import { ApiKeys } from './api/auth.ts';
import type { Handler } from './api/http.ts';
import { toView } from './api/task-view.ts';
import { sendCallback } from './callbacks/send-callback.ts';
import type { Config } from './config.ts';
import type { TaskRecord } from './domain/task.ts';
import { scenesOf, type VideoRequest } from './domain/video-request.ts';
import type { Logger } from './log.ts';
import { checkMediaTools, resolveMediaTools, type MediaTools } from './media/tools.ts';
import type { PipelineDeps } from './pipeline/produce-video.ts';
import { LocalBlobStore } from './platform/local-blob-store.ts';
import { LocalDispatcher } from './platform/local-dispatcher.ts';
import { LocalTaskStore } from './platform/local-task-store.ts';
import type { BlobStore, Dispatcher, TaskStore } from './platform/ports.ts';
import { withSignedUrlCache } from './platform/signed-url-cache.ts';
import { ElevenLabsSpeech } from './providers/elevenlabs.ts';
import { checkEspeak, EspeakSpeech } from './providers/espeak-speech.ts';
import { PexelsFootage } from './providers/pexels.ts';
import { DirFootage, GeneratedFootage, UrlFootage } from './providers/local-footage.ts';
import type { FootageProvider, SpeechProvider } from './providers/ports.ts';
import { RunningTasks } from './worker/running-tasks.ts';
import { SCRATCH_PREFIX } from './worker/run-task.ts';

export interface Runtime {
  handle: Handler;
  store: TaskStore;
  blobs: BlobStore;
  dispatcher: Dispatcher;
  running: RunningTasks;
  /** The base URL clients reach this process on (known once the server listens). */
  setPublicUrl(url: string): void;
  /** Sweep stale scratch dirs and re-enqueue unfinished tasks (local dispatcher). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface ComposeOptions {
  log: Logger;
  /** Where this process's own server listens: the local dispatcher delivers there. */
  selfUrl: () => string;
}

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
  }

  const store = await createTaskStore(cfg, dataDir);
  const localFiles = cfg.BLOB_STORE === 'local' ? new LocalBlobStore({ dir: join(dataDir, 'blobs'), publicUrl: () => publicUrl }) : null;
  const blobs: BlobStore = localFiles ?? withSignedUrlCache(await createGcsBlobStore(cfg));
  const dispatchToken = cfg.DISPATCHER === 'local' ? randomBytes(16).toString('hex') : null;
  const dispatcher: Dispatcher =
    cfg.DISPATCHER === 'local'
      ? new LocalDispatcher({
          workerUrl: () => cfg.WORKER_URL ?? opts.selfUrl(),
          maxConcurrent: cfg.MAX_CONCURRENT_TASKS,
          dispatchDeadlineMs: (cfg.TASK_DEADLINE_SECONDS + 60) * 1000,
          headers: { 'x-reelsmith-dispatch-token': dispatchToken ?? '' },
          log: log.child({ component: 'dispatcher' }),
        })
      : await createCloudTasksDispatcher(cfg);

  const callbackSecret = cfg.CALLBACK_SECRET ?? persistedSecret(join(dataDir, 'callback-secret'));
  const notify = async (task: TaskRecord) => {
    const url = task.request.callback_url;
    if (!url) return;
    const view = await toView(task, blobs, cfg.SIGNED_URL_TTL_S);
    await sendCallback(url, view, { secret: callbackSecret, allowPrivate: cfg.ALLOW_PRIVATE_URLS, log });
  };

  const running = new RunningTasks();
  const shutdown = new AbortController();
  const pipeline: PipelineDeps = {
    tools,
    encode: { preset: cfg.RENDER_PRESET, crf: cfg.RENDER_CRF },
    speech: createSpeech(cfg, tools, log),
    footage: footageChain(cfg, tools, log),
    blobs,
    allowPrivateUrls: cfg.ALLOW_PRIVATE_URLS,
    log,
  };

  const handle = createApp({
    cfg,
    log,
    role,
    api:
      role === 'worker'
        ? null
        : { cfg, store, blobs, dispatcher, keys: new ApiKeys(cfg.API_KEYS), log, stopRunning: (id) => running.stop(id), notify },
    worker: runsWorker
      ? {
          store,
          pipeline,
          scratchDir,
          leaseMs: cfg.LEASE_SECONDS * 1000,
          maxAttempts: cfg.MAX_ATTEMPTS,
          deadlineMs: cfg.TASK_DEADLINE_SECONDS * 1000,
          onFinished: notify,
          log,
          instanceId: `${hostname()}:${process.pid}`,
          shutdown: shutdown.signal,
          running,
        }
      : null,
    localFiles,
    // The worker route of a local process is only for its own dispatcher; on Cloud Run the
    // worker service is private and Cloud Tasks authenticates with an OIDC token instead.
    dispatchToken: role === 'local' ? dispatchToken : null,
  });

  return {
    handle,
    store,
    blobs,
    dispatcher,
    running,
    setPublicUrl(url) {
      publicUrl = url;
    },
    async start() {
      if (runsWorker) {
        await mkdir(scratchDir, { recursive: true });
        await sweepScratch(scratchDir, log);
      }
      if (cfg.DISPATCHER === 'local' && role !== 'worker') {
        const ids = await store.listUnfinished();
        for (const id of ids) await dispatcher.enqueue(id);
        if (ids.length) log.info({ count: ids.length }, 're-enqueued unfinished tasks');
      }
    },
    async close() {
      await dispatcher.close();
      shutdown.abort();
      // Running tasks see the shutdown signal, kill ffmpeg and hand their task back to the queue.
      const deadline = Date.now() + 8_000;
      while (running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await store.close();
    },
  };
}

async function createTaskStore(cfg: Config, dataDir: string): Promise<TaskStore> {
  if (cfg.TASK_STORE === 'local') return new LocalTaskStore({ path: join(dataDir, 'tasks.sqlite') });
  const { FirestoreTaskStore } = await import('./platform/firestore-task-store.ts');
  return new FirestoreTaskStore({ projectId: cfg.GOOGLE_CLOUD_PROJECT!, collection: cfg.FIRESTORE_COLLECTION });
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
    queue: cfg.TASKS_QUEUE!,
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

/** Footage sources for one scene, in the order they are tried. */
function footageChain(cfg: Config, tools: MediaTools, log: Logger) {
  const allowPrivate = cfg.ALLOW_PRIVATE_URLS;
  // One Pexels client for the process: it remembers the rate-limit state across tasks.
  const pexels = cfg.PEXELS_API_KEY
    ? new PexelsFootage({ apiKey: cfg.PEXELS_API_KEY, baseUrl: cfg.PEXELS_BASE_URL, tools, allowPrivate, log: log.child({ provider: 'pexels' }) })
    : null;
  const dir = cfg.FOOTAGE_DIR ? new DirFootage({ tools, dir: cfg.FOOTAGE_DIR }) : null;
  const generated = new GeneratedFootage();
  return (req: VideoRequest, sceneIndex: number): FootageProvider[] => {
    const scene = scenesOf(req)[sceneIndex];
    const urls = scene?.clip_url
      ? { urls: [scene.clip_url], fields: [`scenes.${sceneIndex}.clip_url`] }
      : sceneIndex === 0 && req.clip_urls
        ? { urls: req.clip_urls, fields: req.clip_urls.map((_, i) => `clip_urls.${i}`) }
        : null;
    return [...(urls ? [new UrlFootage({ tools, allowPrivate, ...urls })] : []), ...(pexels ? [pexels] : []), ...(dir ? [dir] : []), generated];
  };
}

function persistedSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(resolve(file, '..'), { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** Scratch dirs left by a process that died mid-task; nothing of ours runs yet at start-up. */
async function sweepScratch(dir: string, log: Logger): Promise<void> {
  const stale = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(SCRATCH_PREFIX));
  await Promise.all(stale.map((n) => rm(join(dir, n), { recursive: true, force: true })));
  if (stale.length) log.info({ count: stale.length }, 'removed stale scratch dirs');
}
