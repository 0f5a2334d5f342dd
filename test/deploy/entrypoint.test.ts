// The production entrypoint, started the way the image starts it: the Dockerfile's CMD and ENV
// read from the Dockerfile, run against the compiled build laid out as the runtime stage lays it
// out (dist/, package.json, node_modules; no TypeScript sources beside it). No cloud is reachable
// here, so the role is `local` (api + worker on the embedded adapters) and K_SERVICE is unset;
// everything else is the image's environment. Then /healthz and one full render through it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ffprobe } from '../support/ffprobe.ts';
import { getJson, pollUntilFinal, postJson } from '../support/http.ts';
import { startService, type Service } from '../support/service.ts';
import { imageCmd, imageEnv, parseDockerfile, ROOT, runtimeStage } from './manifests.ts';
import { tempDir } from '../support/temp-dir.ts';

const df = parseDockerfile();
const cmd = imageCmd(df);
const env = imageEnv(df);

let work: string;
let service: Service | undefined;

/** Compile as the build stage does and arrange the files as the runtime stage's COPY lines do. */
function buildImageLayout(appDir: string): void {
  mkdirSync(appDir, { recursive: true });
  // --noCheck: the emit is the build stage's (this code base's syntax is erasable, so types never
  // change it); its type check is `npm test`'s typecheck of tsconfig.json, which covers every file
  // tsconfig.build.json compiles with the same options. Checking again here cost 3/4 of the compile.
  // --noResolve: nor does the emit need the declarations the imports and `types` lead to (node's,
  // the dependencies'), which were half of what was left; every file the build emits is under
  // `include` (an import of a file outside it would be missing here, and the service would fail
  // to start rather than pass unseen).
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--noCheck', '--noResolve', '--outDir', join(appDir, 'dist')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const copies = runtimeStage(df).filter((i) => i.keyword === 'COPY').map((i) => i.args.trim());
  for (const copy of copies) {
    if (copy === 'package.json ./') copyFileSync(join(ROOT, 'package.json'), join(appDir, 'package.json'));
    else if (/\/app\/node_modules \.\/node_modules$/.test(copy)) symlinkSync(join(ROOT, 'node_modules'), join(appDir, 'node_modules'), 'dir');
    // The caption faces go where fontconfig looks; on this machine setup.sh put them there.
    else if (/\/app\/fonts \/usr\/local\/share\/fonts\/reelsmith$/.test(copy)) continue;
    else if (!/\/app\/dist \.\/dist$/.test(copy)) throw new Error(`the runtime stage copies something this test does not lay out: COPY ${copy}`);
  }
}

before(async () => {
  work = tempDir('reelsmith-image-');
  const appDir = join(work, 'app');
  try {
    buildImageLayout(appDir);
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`the build stage's compile failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }
  assert.equal(cmd[0], 'node');
  // `node dist/functions/server.js` in WORKDIR /app, i.e. the same script under the laid-out app dir.
  const entry = cmd.slice(1).map((arg) => (arg.endsWith('.js') ? join(appDir, arg) : arg));
  service = await startService(
    {
      ...env,
      FUNCTION_TARGET: 'local',
      PORT: '0',
      DATA_DIR: join(work, 'data'),
      // As in the image: nothing allows private URLs.
      ALLOW_PRIVATE_URLS: 'false',
    },
    { entry, dataDir: join(work, 'data') },
  );
});

after(async () => {
  await service?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the image entrypoint (CMD + ENV from the Dockerfile)', () => {
  it('answers /healthz', async () => {
    const res = await getJson(`${service!.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok', role: 'local' });
  });

  it('renders a 720p vertical video end to end and serves it through /download', async () => {
    const submit = await postJson(`${service!.url}/generate-video`, {
      script_text: 'Cloud Run starts the image. The worker renders this short video.',
      resolution: '720p',
      // No Ken Burns move (~40% of the render's CPU): the picture is not what this test looks at.
      motion: 'none',
    });
    assert.equal(submit.status, 202, JSON.stringify(submit.body));
    const { task_id, status_url, download_url } = submit.body;
    assert.ok(task_id && status_url && download_url);

    const { final } = await pollUntilFinal(status_url);
    assert.equal(final.status, 'completed', JSON.stringify(final.error));
    assert.equal(final.result.width, 720);
    assert.equal(final.result.height, 1280);

    const redirect = await fetch(download_url, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    const location = redirect.headers.get('location');
    assert.ok(location, 'a signed URL');
    await redirect.arrayBuffer();
    const video = await fetch(location);
    assert.equal(video.status, 200);
    const bytes = Buffer.from(await video.arrayBuffer());
    const file = join(work, 'download.mp4');
    writeFileSync(file, bytes);

    const probe = ffprobe(file);
    const v = probe.streams.find((s) => s.codec_type === 'video');
    const a = probe.streams.find((s) => s.codec_type === 'audio');
    assert.equal(v?.codec_name, 'h264');
    assert.equal(v?.width, 720);
    assert.equal(v?.height, 1280);
    assert.equal(a?.codec_name, 'aac');
    assert.ok(probe.durationS > 1.5 && probe.durationS < 30, `duration ${probe.durationS}`);
    assert.equal(probe.sizeBytes, bytes.length);
    assert.ok(Math.abs(probe.durationS - final.result.duration_s) < 0.5, 'the task view reports the real duration');
  });
});
