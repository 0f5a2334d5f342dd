// `npm run chaos [-- --path local|cloud|both]`: reelsmith under faults, offline, on loopback.
// 200 submits at 50 per second (Idempotency-Key replays among them, several API keys, one over
// its rate), a callback receiver that answers 500 to every first try and lets some second tries
// time out, the worker SIGKILLed twice mid-render and restarted, and on the cloud path (Firestore
// and GCS-API emulators, api and worker as processes of their own) a Firestore restart. Then
// every check in the table; the exit code is 1 when any of them found a loss.
import { parseArgs } from 'node:util';
import { runPath, type PathResult } from './chaos/run-path.ts';
import type { PathName } from './chaos/targets.ts';

const { values } = parseArgs({
  options: {
    path: { type: 'string', default: 'both' },
    submissions: { type: 'string', default: '200' },
    rate: { type: 'string', default: '50' },
  },
});
const paths: PathName[] = values.path === 'both' ? ['local', 'cloud'] : values.path === 'local' || values.path === 'cloud' ? [values.path] : [];
if (paths.length === 0) {
  process.stderr.write(`--path must be local, cloud or both (got ${values.path})\n`);
  process.exit(2);
}

let stopRunning: (() => Promise<void>) | null = null;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    process.stderr.write(`${sig}: stopping the services and emulators\n`);
    void (stopRunning?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

const results: PathResult[] = [];
for (const path of paths) {
  const result = await runPath(path, {
    submissions: Number(values.submissions),
    perSecond: Number(values.rate),
    settleTimeoutMs: 10 * 60_000,
    log: (line) => process.stderr.write(`${line}\n`),
    onStarted: (stop) => (stopRunning = stop),
  });
  stopRunning = null;
  results.push(result);
  // Each path's table as soon as it is known; the combined one at the end.
  if (paths.length > 1) process.stderr.write(`\n${table([result])}\n\n`);
}

process.stdout.write(`\n${table(results)}\n`);
const problems = results.flatMap((r) => r.problems.map((p) => `[${r.path}] ${p}`));
for (const p of problems) process.stdout.write(`LOSS ${p}\n`);
const lost = results.some((r) => r.checks.some((c) => !c.ok));
process.stdout.write(lost ? '\nchaos: LOSS (see above)\n' : '\nchaos: no loss\n');
process.exit(lost ? 1 : 0);

/** One row per check, one column per path; a failed check is marked ✗. */
function table(rs: PathResult[]): string {
  const head = `| check | ${rs.map((r) => r.path).join(' | ')} |`;
  const rule = `|---|${rs.map(() => '---').join('|')}|`;
  const rows = rs[0]!.checks.map((c, i) => `| ${c.name} | ${rs.map((r) => cell(r.checks[i]!)).join(' | ')} |`);
  const time = `| wall time | ${rs.map((r) => `${r.seconds} s`).join(' | ')} |`;
  return [head, rule, ...rows, time].join('\n');
}

function cell(c: { value: string; ok: boolean }): string {
  return c.ok ? c.value : `✗ ${c.value}`;
}
