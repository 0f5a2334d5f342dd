// The chaos run's clients: a planned burst of submits (a share of them replays of an earlier
// submit's Idempotency-Key and body), sent at a fixed rate under several API keys, one of them
// greedy enough to meet the rate limit. A submit that finds no server (the process is down) is
// sent again with the same Idempotency-Key, as a careful client does; every answer is kept.
import { randomInt, seededRandom } from '../../functions/lib/seeded-random.ts';

export interface Submission {
  n: number;
  apiKey: string;
  idempotencyKey: string;
  body: Record<string, unknown>;
  /** The submission this one replays, or null for a new one. */
  replayOf: number | null;
}

export interface Answer {
  submission: Submission;
  status: number;
  taskId: string | null;
  code: string | null;
  retryAfter: string | null;
  /** Sends that found no server before this answer. */
  unreachable: number;
}

/** Four keys; the last sends as much as two others together. */
export const API_KEYS = ['chaos-key-a', 'chaos-key-b', 'chaos-key-c', 'chaos-key-greedy'] as const;

export function planSubmissions(count: number, callbackUrl: string, seed = 13): Submission[] {
  const random = seededRandom(seed);
  const out: Submission[] = [];
  for (let n = 0; n < count; n++) {
    const originals = out.filter((s) => s.replayOf === null);
    if (originals.length >= 10 && random() < 1 / 6) {
      const of = originals[randomInt(random, originals.length)]!;
      out.push({ ...of, n, replayOf: of.n });
      continue;
    }
    const k = random();
    const apiKey = API_KEYS[k < 0.2 ? 0 : k < 0.4 ? 1 : k < 0.6 ? 2 : 3];
    out.push({
      n,
      apiKey,
      idempotencyKey: `chaos-${seed}-${n}`,
      body: { script_text: `Video ${n} of the chaos run.`, resolution: '720p', aspect_ratio: '1:1', captions: false, callback_url: callbackUrl },
      replayOf: null,
    });
  }
  return out;
}

/** Sends each submission at its slot (`perSecond`), without waiting for earlier answers. */
export async function submitAll(baseUrl: string, subs: Submission[], perSecond: number): Promise<Answer[]> {
  const t0 = Date.now();
  return Promise.all(
    subs.map(async (s, i) => {
      await sleep(t0 + (i * 1000) / perSecond - Date.now());
      return submit(baseUrl, s);
    }),
  );
}

async function submit(baseUrl: string, s: Submission): Promise<Answer> {
  for (let unreachable = 0; ; unreachable++) {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}/v1/videos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.apiKey}`, 'idempotency-key': s.idempotencyKey },
        body: JSON.stringify(s.body),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (err) {
      if (unreachable > 600) throw new Error(`submission ${s.n}: no server for minutes (${(err as Error).cause ?? (err as Error).message})`);
      await sleep(250);
      continue;
    }
    const body = (await res.json().catch(() => null)) as { task_id?: string; error?: { code?: string } } | null;
    return {
      submission: s,
      status: res.status,
      taskId: body?.task_id ?? null,
      code: body?.error?.code ?? null,
      retryAfter: res.headers.get('retry-after'),
      unreachable,
    };
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
