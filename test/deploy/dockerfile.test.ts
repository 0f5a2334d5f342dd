// What the image promises, read from the Dockerfile and .dockerignore (no Docker daemon or
// registry is reachable here, so the image itself is exercised by entrypoint.test.ts, which
// runs its CMD with its ENV against a build laid out the way the image lays it out).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  dockerignore,
  globalArgs,
  imageCmd,
  imageEnv,
  isIgnored,
  parseDockerfile,
  ROOT,
  runtimeStage,
  setupShPackages,
} from './manifests.ts';
import { FONT_PACKAGES } from '../../functions/media/captions/index.ts';

const df = parseDockerfile();
const runtime = runtimeStage(df);
const args = globalArgs(df);
const resolveImage = (image: string) => image.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a, b) => args[a ?? b] ?? all);

describe('Dockerfile', () => {
  it('is multi-stage on a Node 24 slim base', () => {
    assert.ok(df.stages.length >= 2, 'build and runtime stages');
    for (const stage of df.stages) assert.match(resolveImage(stage.image), /^node:24(\.\d+)*-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/, stage.name);
  });

  it('installs ffmpeg, espeak-ng and the caption fonts: every package scripts/setup.sh installs', () => {
    const apt = runtime.filter((i) => i.keyword === 'RUN' && /apt-get install/.test(i.args)).map((i) => i.args).join(' ');
    const installed = new Set(apt.split(/\s+/));
    for (const pkg of ['ffmpeg', 'espeak-ng', 'fontconfig', ...setupShPackages()]) {
      assert.ok(installed.has(pkg), `runtime stage installs ${pkg}`);
    }
    for (const pkg of FONT_PACKAGES) assert.ok(setupShPackages().includes(pkg), `scripts/setup.sh installs ${pkg}, which the captions name`);
    assert.match(apt, /--no-install-recommends/);
    assert.match(apt, /rm -rf \/var\/lib\/apt\/lists/);
  });

  it('ships production dependencies only', () => {
    const copies = runtime.filter((i) => i.keyword === 'COPY');
    const nodeModules = copies.find((c) => /\bnode_modules\b/.test(c.args));
    assert.ok(nodeModules, 'node_modules is copied into the runtime stage');
    const from = /--from=(\S+)/.exec(nodeModules.args)?.[1];
    assert.ok(from, 'from another stage');
    const install = df.instructions.filter((i) => i.stage === from && i.keyword === 'RUN' && /npm ci/.test(i.args));
    assert.equal(install.length, 1);
    assert.match(install[0]!.args, /--omit=dev/);
    assert.match(install[0]!.args, /--omit=optional/, 'ffmpeg-static would download from GitHub; Debian ffmpeg is used');
    // From the build context the runtime stage takes package.json alone ("type": "module"); the
    // code arrives compiled from the build stage, never as TypeScript sources.
    assert.deepEqual(copies.filter((c) => !/--from=/.test(c.args)).map((c) => c.args.trim()), ['package.json ./']);
    assert.ok(copies.some((c) => /^--from=\S+\s+\/app\/dist\s+\.\/dist$/.test(c.args.trim())), 'dist/ from the build stage');
  });

  it('builds the studio page into dist/ in the build stage, with the compiled code', () => {
    const dist = runtime.find((i) => i.keyword === 'COPY' && /\/app\/dist/.test(i.args));
    const from = /--from=(\S+)/.exec(dist!.args)?.[1];
    const runs = df.instructions.filter((i) => i.stage === from && i.keyword === 'RUN').map((i) => i.args);
    assert.ok(runs.some((r) => /vite(\.js)? build --config functions\/studio\/vite\.config\.ts/.test(r)), runs.join('\n'));
    const copied = df.instructions.filter((i) => i.stage === from && i.keyword === 'COPY').map((i) => i.args);
    assert.ok(copied.some((c) => /^functions\s/.test(c.trim())), 'the page source comes with functions/');
  });

  it('runs as a non-root user', () => {
    const users = runtime.filter((i) => i.keyword === 'USER');
    assert.ok(users.length > 0, 'the runtime stage sets USER');
    const user = users.at(-1)!.args.trim();
    assert.ok(!/^(root|0)(:|$)/.test(user), `USER ${user}`);
    const userAt = runtime.lastIndexOf(users.at(-1)!);
    const cmdAt = runtime.findIndex((i) => i.keyword === 'CMD');
    assert.ok(userAt < cmdAt, 'USER comes before CMD');
  });

  it('starts the compiled server with node itself (not npm), role chosen by FUNCTION_TARGET', () => {
    const cmd = imageCmd(df);
    assert.deepEqual(cmd, ['node', '--max-semi-space-size=2', 'dist/functions/server.js']);
    assert.ok(!runtime.some((i) => i.keyword === 'ENTRYPOINT'), 'no ENTRYPOINT wraps the CMD');
    const env = imageEnv(df);
    assert.equal(env.NODE_ENV, 'production');
    assert.ok(['api', 'worker', 'local'].includes(env.FUNCTION_TARGET!), `FUNCTION_TARGET=${env.FUNCTION_TARGET}`);
    const workdir = runtime.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args;
    assert.equal(workdir, '/app');
  });
});

describe('.dockerignore', () => {
  const patterns = dockerignore();

  it('keeps node_modules, .git, .data, test/, infra/ (tfvars, state) and build output out of the context', () => {
    for (const p of ['node_modules', 'node_modules/zod/package.json', '.git', '.git/config', '.data', '.data/tasks.sqlite', 'test', 'test/deploy/infra.test.ts', 'infra/terraform.tfvars', 'infra/terraform.tfstate', 'dist', 'bench', '.env']) {
      assert.ok(isIgnored(patterns, p), `${p} is ignored`);
    }
  });

  it('lets in everything the Dockerfile copies from the context', () => {
    const fromContext = df.instructions.filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args));
    assert.ok(fromContext.length > 0);
    for (const copy of fromContext) {
      const sources = copy.args.trim().split(/\s+/).slice(0, -1);
      for (const src of sources) {
        assert.ok(existsSync(join(ROOT, src)), `${src} exists`);
        assert.ok(!isIgnored(patterns, src), `${src} is in the build context`);
      }
    }
    assert.ok(!isIgnored(patterns, 'functions/server.ts'));
    assert.ok(!isIgnored(patterns, 'functions/media/tools.ts'));
  });
});
