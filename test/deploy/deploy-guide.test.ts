// The deploy guide in docs/deployment.md, read and partly run: step 2's commands against a stand-in gcloud
// that, like Secret Manager, refuses an empty secret; the notes a first deploy trips over; and the
// pointer to the guide in cloudbuild.yaml.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../support/temp-dir.ts';
import { ROOT } from './manifests.ts';

const guide = readFileSync(join(ROOT, 'docs/deployment.md'), 'utf8');

/** A section of the guide: from its heading to the next heading of the same or a higher level (outside code blocks). */
function section(heading: string): string {
  const lines = guide.split('\n');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `docs/deployment.md has "${heading}"`);
  const level = /^#+/.exec(heading)![0].length;
  let fenced = false;
  let end = start + 1;
  for (; end < lines.length; end++) {
    const line = lines[end]!;
    if (line.startsWith('```')) fenced = !fenced;
    else if (!fenced && new RegExp(`^#{1,${level}} `).test(line)) break;
  }
  return lines.slice(start + 1, end).join('\n');
}

function bashBlock(text: string): string {
  const m = /```bash\n([\s\S]*?)```/.exec(text);
  assert.ok(m, 'a bash block');
  return m[1]!;
}

/** Runs step 2 with a stand-in gcloud that records which secrets it created. */
function runStep2(env: Record<string, string>): { created: string[]; status: number | null; stderr: string } {
  const bin = tempDir('reelsmith-gcloud-');
  const log = join(bin, 'created');
  writeFileSync(log, '');
  writeFileSync(
    join(bin, 'gcloud'),
    `#!/bin/sh
# gcloud secrets create NAME --data-file=-: Secret Manager refuses an empty payload.
[ "$1 $2" = "secrets create" ] || { echo "unexpected: gcloud $*" >&2; exit 2; }
payload=$(cat)
[ -n "$payload" ] || { echo "ERROR: (gcloud.secrets.create) INVALID_ARGUMENT: Secret Payload cannot be empty." >&2; exit 1; }
echo "$3" >> "${log}"
`,
  );
  chmodSync(join(bin, 'gcloud'), 0o755);
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', bashBlock(section('## 2. Create the secrets'))], {
    env: { PATH: `${bin}:${process.env.PATH}`, ...env },
    encoding: 'utf8',
  });
  return { created: readFileSync(log, 'utf8').split('\n').filter(Boolean).sort(), status: r.status, stderr: r.stderr };
}

describe('the deploy guide', () => {
  it('step 2 creates the optional provider secrets only when their key is set', (t) => {
    if (spawnSync('openssl', ['version']).error) return t.skip('openssl is not installed');
    const without = runStep2({});
    assert.equal(without.status, 0, without.stderr);
    assert.deepEqual(without.created, ['reelsmith-api-keys', 'reelsmith-callback-secret']);
    const withKeys = runStep2({ ELEVENLABS_API_KEY: 'el-key', PEXELS_API_KEY: 'px-key' });
    assert.equal(withKeys.status, 0, withKeys.stderr);
    assert.deepEqual(withKeys.created, ['reelsmith-api-keys', 'reelsmith-callback-secret', 'reelsmith-elevenlabs-api-key', 'reelsmith-pexels-api-key']);
    assert.match(section('## 2. Create the secrets'), /Secret Manager refuses an empty value/);
  });

  it('step 1 sets the ADC quota project and warns about regions, the Firestore location and propagation', () => {
    const step1 = section('## 1. Point gcloud and Terraform at the project');
    assert.match(bashBlock(step1), /gcloud auth application-default set-quota-project "\$PROJECT_ID"/);
    assert.match(step1, /gcloud tasks locations list/);
    assert.match(step1, /gcloud firestore locations list/);
    assert.match(step1, /default Google Cloud resource location/);
    assert.match(step1, /firestore_location/);
    assert.match(step1, /wait two or three minutes, then run the same command again/);
  });

  it('says why the worker is internal only and what its start-up check does', () => {
    const why = section('## How it is set up, and why');
    assert.match(why, /ingress is internal only/);
    assert.match(why, /Cloud Tasks and Cloud Scheduler of the same project still do/);
    assert.match(why, /probe file in\s+`SCRATCH_DIR`/);
  });

  it('explains the callbacks queue and the sweeper, with the numbers infra/ and the app use', () => {
    const why = section('## How it is set up, and why');
    assert.match(why, /\*\*Callbacks have a queue of their own\*\* \(`reelsmith-render-callbacks`, `TASKS_CALLBACK_QUEUE`\)/);
    assert.match(why, /It retries for 24 h \(backoff from\s+10 s, doubling to hourly\)/);
    assert.match(why, /Cloud Tasks stops retrying only when both limits are reached/);
    assert.match(why, /\*\*The sweeper\.\*\*[\s\S]*Every 5 minutes\s+\(`sweep_schedule`\)[\s\S]*`POST \/tasks\/sweep`/);
    assert.match(why, /`SWEEP_STALE_SECONDS` \(30 min\)/);
    assert.match(why, /\*\*invoker:\*\* `run\.invoker` on the worker, nothing else/);
    assert.match(section('## 1. Point gcloud and Terraform at the project'), /gcloud scheduler locations\s+list/);
  });
});

describe('cloudbuild.yaml', () => {
  it('points to the deploy guide itself, not to infra/README.md (which only redirects)', () => {
    const text = readFileSync(join(ROOT, 'cloudbuild.yaml'), 'utf8');
    assert.doesNotMatch(text, /infra\/README\.md/);
    assert.match(text, /docs\/deployment\.md, "Deploy to Google Cloud"/);
    assert.match(guide, /^# Deploy to Google Cloud$/m);
  });
});
