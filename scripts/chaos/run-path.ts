// One chaos run on one path: the submits, the faults while tasks render, then the checks. Each
// check is a line of the table (scripts/chaos.ts); any failed check is a loss.
import { readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffprobe } from '../../test/support/ffprobe.ts';
import { tempDir } from '../../test/support/temp-dir.ts';
import { startCallbackReceiver, type CallbackReceiver } from './callback-receiver.ts';
import { sampleRenders } from './render-sampler.ts';
import { API_KEYS, planSubmissions, sleep, submitAll, type Answer } from './submissions.ts';
import { startTarget, type PathName, type Target } from './targets.ts';

export interface Check {
  name: string;
  value: string;
  ok: boolean;
}

export interface PathResult {
  path: PathName;
  checks: Check[];
  seconds: number;
  /** What went wrong, in detail (printed under the table). */
  problems: string[];
}

export interface ChaosOptions {
  submissions: number;
  perSecond: number;
  /** How long the tasks may take to settle after the last fault before the run counts them lost. */
  settleTimeoutMs: number;
  log: (line: string) => void;
  /** Called with a way to stop what the run started (Ctrl-C must not leave emulators behind). */
  onStarted?: (stop: () => Promise<void>) => void;
}

const SECRET = 'chaos-callback-secret-0123456789abcdef';
export const LIMITS = { MAX_CONCURRENT_TASKS: 2, MAX_QUEUED_TASKS: 100, MAX_QUEUED_PER_KEY: 50, SUBMITS_PER_MINUTE: 30 };

/** The service's settings: the limits above, short leases and a quick sweeper so that faults heal in seconds. */
function serviceEnv(): Record<string, string> {
  return {
    ...Object.fromEntries(Object.entries(LIMITS).map(([k, v]) => [k, String(v)])),
    API_KEYS: API_KEYS.join(','),
    CALLBACK_SECRET: SECRET,
    LEASE_SECONDS: '5',
    SWEEP_INTERVAL_SECONDS: '5',
    SWEEP_STALE_SECONDS: '60',
    RENDER_PRESET: 'ultrafast',
    LOG_LEVEL: 'info',
  };
}

interface TaskState {
  id: string;
  apiKey: string;
  view: any;
}

export async function runPath(path: PathName, opts: ChaosOptions): Promise<PathResult> {
  const t0 = Date.now();
  const receiver = await startCallbackReceiver(SECRET);
  opts.log(`[${path}] starting`);
  const target = await startTarget(path, serviceEnv());
  opts.onStarted?.(async () => {
    await target.stop();
    await receiver.close();
  });
  const renders = sampleRenders(target.scratchDir);
  const faults: string[] = [];
  try {
    const plan = planSubmissions(opts.submissions, receiver.url);
    opts.log(`[${path}] ${plan.length} submissions at ${opts.perSecond}/s`);
    const answers = await submitAll(target.url, plan, opts.perSecond);
    const tasks = acceptedTasks(answers);
    opts.log(`[${path}] ${tasks.size} tasks accepted; faults while they render`);

    const progress = watchTasks(target, tasks);
    const share = (status: string) => [...tasks.values()].filter((t) => t.view?.status === status).length / tasks.size;
    /** Once `at` of the tasks completed, in the middle of a render; false when nothing is left to render. */
    const midRender = async (at: number) => {
      while (share('completed') < at || renders.current() === 0) {
        if (share('completed') + share('failed') + share('cancelled') === 1) return false;
        await sleep(20);
      }
      return true;
    };
    const fault = async (at: number, name: string, inject: () => Promise<void>) => {
      if (!(await midRender(at))) return opts.log(`[${path}] ${name}: skipped, nothing was rendering`);
      await inject();
      faults.push(name);
      opts.log(`[${path}] ${name} at ${Math.round(share('completed') * 100)}% completed`);
    };
    await fault(0.2, 'worker SIGKILL', () => target.crashWorker());
    if (target.restartFirestore) await fault(0.45, 'Firestore restart', target.restartFirestore);
    await fault(0.7, 'worker SIGKILL', () => target.crashWorker());

    const settled = await progress.settled(opts.settleTimeoutMs);
    opts.log(`[${path}] ${settled ? 'every task settled' : 'gave up waiting for the tasks to settle'}; checking`);
    // A delivery removes its task dir after it recorded the outcome: give the last ones a moment.
    const scratch = () => readdir(target.scratchDir).catch(() => [] as string[]);
    for (let waited = 0; (await scratch()).length > 0 && waited < 30_000; waited += 100) await sleep(100);
    const scratchLeft = await scratch();
    const result = await check(path, { target, answers, tasks, receiver, scratchLeft, maxRenders: renders.max, faults });
    return { ...result, seconds: Math.round((Date.now() - t0) / 1000) };
  } finally {
    renders.stop();
    await target.stop().catch((err: unknown) => opts.log(`[${path}] stop: ${(err as Error).message}`));
    await receiver.close();
    // Every line every process printed, for whoever has to find out what a loss was.
    const logFile = join(tmpdir(), `reelsmith-chaos-${path}.log`);
    await writeFile(logFile, `${target.logs().join('\n')}\n`);
    opts.log(`[${path}] the services' logs: ${logFile}`);
  }
}

/** Task id → its owner's key, for every submit answered 2xx. */
function acceptedTasks(answers: Answer[]): Map<string, TaskState> {
  const tasks = new Map<string, TaskState>();
  for (const a of answers) {
    if (a.status >= 200 && a.status < 300 && a.taskId) tasks.set(a.taskId, { id: a.taskId, apiKey: a.submission.apiKey, view: null });
  }
  return tasks;
}

/** Polls the task views until every task is final with its callback settled (or the time is up). */
function watchTasks(target: Target, tasks: Map<string, TaskState>) {
  const settledOne = (t: TaskState) => ['completed', 'failed', 'cancelled'].includes(t.view?.status) && t.view.callback?.state !== 'pending';
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const open = [...tasks.values()].filter((t) => !settledOne(t));
      if (open.length === 0) return;
      for (let i = 0; i < open.length && !stop; i += 8) {
        await Promise.all(
          open.slice(i, i + 8).map(async (t) => {
            try {
              const res = await fetch(`${target.url}/v1/videos/${t.id}`, { headers: { authorization: `Bearer ${t.apiKey}` }, signal: AbortSignal.timeout(10_000) });
              if (res.ok) t.view = await res.json();
              else await res.arrayBuffer();
            } catch {
              // The process is down (a crash) or busy: the next round asks again.
            }
          }),
        );
      }
      await sleep(500);
    }
  })();
  return {
    async settled(timeoutMs: number): Promise<boolean> {
      const timer = sleep(timeoutMs).then(() => false);
      const done = await Promise.race([loop.then(() => true), timer]);
      stop = true;
      await loop;
      return done;
    },
  };
}

interface Observed {
  target: Target;
  answers: Answer[];
  tasks: Map<string, TaskState>;
  receiver: CallbackReceiver;
  scratchLeft: string[];
  maxRenders: number;
  faults: string[];
}

async function check(path: PathName, o: Observed): Promise<Omit<PathResult, 'seconds'>> {
  const checks: Check[] = [];
  const problems: string[] = [];
  const add = (name: string, value: string | number, ok: boolean, problem?: string) => {
    checks.push({ name, value: String(value), ok });
    if (!ok && problem) problems.push(`${name}: ${problem}`);
  };
  const tasks = [...o.tasks.values()];

  // Submits: 2xx, or a refusal with Retry-After; one task per Idempotency-Key; a replay of an accepted key never refused.
  const accepted = o.answers.filter((a) => a.status === 202);
  const replayed = o.answers.filter((a) => a.status === 200);
  const refusals = o.answers.filter((a) => a.status >= 300);
  const refusalOk = (a: Answer) =>
    ((a.status === 429 && a.code === 'rate_limited') || (a.status === 503 && (a.code === 'queue_full' || a.code === 'key_queue_full'))) &&
    /^[1-9]\d*$/.test(a.retryAfter ?? '');
  const badRefusals = refusals.filter((a) => !refusalOk(a));
  const byCode = (code: string) => refusals.filter((a) => a.code === code).length;
  add('submissions (replays of an Idempotency-Key)', `${o.answers.length} (${o.answers.filter((a) => a.submission.replayOf !== null).length})`, true);
  add('answered 202 new / 200 same task', `${accepted.length} / ${replayed.length}`, true);
  add(
    'refused: 429 rate_limited / 503 queue_full / 503 key_queue_full',
    `${byCode('rate_limited')} / ${byCode('queue_full')} / ${byCode('key_queue_full')}`,
    badRefusals.length === 0,
  );
  add(
    'refusals without 429/503 + Retry-After',
    badRefusals.length,
    badRefusals.length === 0,
    badRefusals.map((a) => `#${a.submission.n}: ${a.status} ${a.code} retry-after=${a.retryAfter}`).join('; '),
  );
  const idsByKey = new Map<string, Set<string>>();
  for (const a of o.answers) if (a.taskId) idsByKey.set(a.submission.idempotencyKey, (idsByKey.get(a.submission.idempotencyKey) ?? new Set()).add(a.taskId));
  const splitKeys = [...idsByKey].filter(([, ids]) => ids.size > 1);
  const acceptedKeys = new Set(o.answers.filter((a) => a.taskId).map((a) => a.submission.idempotencyKey));
  const refusedReplays = o.answers.filter((a) => a.status >= 300 && a.submission.replayOf !== null && acceptedKeys.has(a.submission.idempotencyKey));
  add(
    'Idempotency-Keys with two tasks / accepted keys refused on replay',
    `${splitKeys.length} / ${refusedReplays.length}`,
    splitKeys.length === 0 && refusedReplays.length === 0,
    [...splitKeys.map(([k, ids]) => `${k} → ${[...ids].join(', ')}`), ...refusedReplays.map((a) => `#${a.submission.n} ${a.status} ${a.code}`)].join('; '),
  );
  add('sends that found the server down (sent again)', o.answers.reduce((n, a) => n + a.unreachable, 0), true);
  add('faults', o.faults.join(', '), true);

  // Tasks: every accepted one completed, and completed once.
  const notCompleted = tasks.filter((t) => t.view?.status !== 'completed');
  add('accepted tasks', tasks.length, tasks.length > 0);
  add(
    'accepted tasks not completed',
    notCompleted.length,
    notCompleted.length === 0,
    notCompleted.map((t) => `${t.id}: ${t.view ? `${t.view.status} ${JSON.stringify(t.view.error)}` : 'never read'}`).join('; '),
  );
  const completions = new Map<string, number>();
  for (const line of o.target.logs()) {
    const entry = parseLog(line);
    if (entry?.message === 'task completed' && typeof entry.task_id === 'string') completions.set(entry.task_id, (completions.get(entry.task_id) ?? 0) + 1);
  }
  const twice = [...completions].filter(([, n]) => n > 1);
  add('tasks completed more than once (worker logs)', twice.length, twice.length === 0, twice.map(([id, n]) => `${id} ×${n}`).join('; '));

  // Videos: one MP4 object per task, the one the task names, and a real video.
  const videos = (await o.target.list('videos/')).filter((n) => n.endsWith('/video.mp4'));
  const perTask = new Map<string, string[]>();
  for (const v of videos) {
    const id = v.split('/')[1]!;
    perTask.set(id, [...(perTask.get(id) ?? []), v]);
  }
  const wrongCount = tasks.filter((t) => (perTask.get(t.id)?.length ?? 0) !== 1);
  const strays = [...perTask.keys()].filter((id) => !o.tasks.has(id));
  add(
    'MP4 objects / tasks with other than one',
    `${videos.length} / ${wrongCount.length + strays.length}`,
    wrongCount.length === 0 && strays.length === 0,
    [...wrongCount.map((t) => `${t.id}: ${(perTask.get(t.id) ?? []).join(', ') || 'none'}`), ...strays.map((id) => `not a task: ${id}`)].join('; '),
  );
  const badVideos: string[] = [];
  const dir = tempDir('reelsmith-chaos-probe-');
  for (const t of tasks.filter((x) => x.view?.status === 'completed')) {
    const key = objectKeyOf(t.view.result?.video_url ?? '');
    const only = perTask.get(t.id)?.[0];
    if (!key || key !== only) {
      badVideos.push(`${t.id}: the task names ${key}, the store holds ${only}`);
      continue;
    }
    try {
      const file = join(dir, `${t.id}.mp4`);
      await o.target.download(key, file);
      const p = ffprobe(file);
      if (!(p.durationS > 0.5) || !p.streams.some((s) => s.codec_type === 'video') || !p.streams.some((s) => s.codec_type === 'audio')) {
        badVideos.push(`${t.id}: ${p.durationS} s, streams ${p.streams.map((s) => s.codec_type).join(',')}`);
      }
    } catch (err) {
      badVideos.push(`${t.id}: ${(err as Error).message}`);
    }
  }
  add('videos that are not the named MP4 with audio and video (ffprobe)', badVideos.length, badVideos.length === 0, badVideos.join('; '));
  const plans = await o.target.list('work/');
  add('plans left in the blob store (work/)', plans.length, plans.length === 0, plans.slice(0, 10).join(', '));

  // Callbacks: exactly one delivered event per task, by delivery id, the one the task owes.
  const r = o.receiver;
  add('callback tries: 500 on the first / timed out', `${r.refused} / ${r.timedOut}`, true);
  const wrong: string[] = [];
  for (const t of tasks) {
    const mine = [...r.accepted].filter(([, a]) => a.taskId === t.id);
    const want = `${t.id}.completed`;
    if (mine.length !== 1 || mine[0]![0] !== want || mine[0]![1].event !== 'task.completed') {
      wrong.push(`${t.id}: delivered ${mine.map(([id, a]) => `${id} (${a.event})`).join(', ') || 'nothing'}`);
    } else if (t.view?.callback?.state !== 'delivered') {
      wrong.push(`${t.id}: the task view says ${JSON.stringify(t.view?.callback)}`);
    }
  }
  const unknown = [...r.accepted.values()].filter((a) => !o.tasks.has(a.taskId));
  add('events delivered (distinct delivery ids)', r.accepted.size, true);
  add(
    'tasks without exactly one delivered event',
    wrong.length + unknown.length,
    wrong.length === 0 && unknown.length === 0,
    [...wrong, ...unknown.map((a) => `unknown task ${a.taskId}`)].join('; '),
  );
  const dupes = [...r.accepted.values()].reduce((n, a) => n + a.times - 1, 0);
  add('repeated deliveries dropped by delivery id', dupes, true);
  add('bad signatures / callbacks without headers', `${r.badSignatures} / ${r.malformed}`, r.badSignatures === 0 && r.malformed === 0);

  // Resources.
  add(
    `most renders at once (limit ${LIMITS.MAX_CONCURRENT_TASKS})`,
    o.maxRenders,
    o.maxRenders <= LIMITS.MAX_CONCURRENT_TASKS && o.maxRenders > 0,
    `${o.maxRenders} task dirs had ffmpeg running at one instant`,
  );
  add('scratch entries left', o.scratchLeft.length, o.scratchLeft.length === 0, o.scratchLeft.join(', '));
  return { path, checks, problems };
}

function parseLog(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The object name in a signed URL: `videos/…` in the path (local /files/videos/…, GCS /bucket/videos/…). */
function objectKeyOf(url: string): string | null {
  try {
    const p = decodeURIComponent(new URL(url).pathname);
    const i = p.indexOf('/videos/');
    return i >= 0 ? p.slice(i + 1) : null;
  } catch {
    return null;
  }
}
