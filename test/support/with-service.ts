// The set-up the end-to-end files share: the loopback fakes a file asks for, one service started
// on them as `npm start` runs it (a child process with its own DATA_DIR), all stopped after the
// last test of the describe (or file) that called withService. One service per file: its tests
// share it, each reading its own task.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import {
  FAKE_ELEVENLABS_KEY,
  FAKE_PEXELS_KEY,
  startFakeElevenLabs,
  startFakePexels,
  type FakeElevenLabs,
  type FakeElevenLabsOptions,
  type FakePexels,
  type FakePexelsOptions,
} from '../fakes/index.ts';
import { pollUntilFinal, postJson } from './http.ts';
import { startService, type Service } from './service.ts';

type Env = Record<string, string>;

export interface ServiceFixtureOptions {
  /** Start the fake ElevenLabs (with these options) and give the service its key and URL. */
  elevenlabs?: FakeElevenLabsOptions | boolean;
  /** Start the fake Pexels (with these options) and give the service its key and URL. */
  pexels?: FakePexelsOptions | boolean;
  /** The service's environment; a function runs in `before`, after the fakes have started. */
  env?: Env | (() => Env | Promise<Env>);
  /** How the service starts (startService by default; startCloudPath for the cloud adapters). */
  start?: (env: Env) => Promise<Service>;
}

export interface ServiceFixture {
  /** The running service (from `before` on). */
  readonly svc: Service;
  readonly url: string;
  /** The fake ElevenLabs, when asked for. */
  readonly el: FakeElevenLabs;
  /** The fake Pexels, when asked for. */
  readonly px: FakePexels;
  /** POST `body` to `route` (202 expected), then poll the task until it ends: its final view and every view seen. */
  run(body: unknown, route?: string): Promise<{ id: string; final: any; seen: any[] }>;
  /** As run, and the task must have completed. */
  completed(body: unknown, route?: string): Promise<any>;
  /** GET `url` into a file named `name` in the service's DATA_DIR; its path. */
  download(url: string, name: string): Promise<string>;
}

/**
 * Renders in these tests check pictures, sound and timing, never the encoder's efficiency: x264's
 * fastest preset keeps them cheap. A file that measures the encode itself sets RENDER_PRESET.
 */
const TEST_ENCODE: Env = { RENDER_PRESET: 'ultrafast' };

export function withService(o: ServiceFixtureOptions = {}): ServiceFixture {
  let svc: Service | undefined;
  let el: FakeElevenLabs | undefined;
  let px: FakePexels | undefined;

  before(async () => {
    const elOptions = o.elevenlabs === true ? {} : o.elevenlabs || null;
    const pxOptions = o.pexels === true ? {} : o.pexels || null;
    [el, px] = await Promise.all([elOptions && startFakeElevenLabs(elOptions), pxOptions && startFakePexels(pxOptions)]).then(([e, p]) => [e ?? undefined, p ?? undefined]);
    const env = typeof o.env === 'function' ? await o.env() : (o.env ?? {});
    svc = await (o.start ?? startService)({
      ...TEST_ENCODE,
      ...(el ? { ELEVENLABS_API_KEY: FAKE_ELEVENLABS_KEY, ELEVENLABS_BASE_URL: el.url } : {}),
      ...(px ? { PEXELS_API_KEY: FAKE_PEXELS_KEY, PEXELS_BASE_URL: px.url } : {}),
      ...env,
    });
  });
  after(async () => {
    await svc?.stop();
    await Promise.all([el?.close(), px?.close()]);
  });

  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`withService: no ${what} (ask for it in the options; it exists from \`before\` on)`);
    return v;
  };
  const fixture: ServiceFixture = {
    get svc() {
      return need(svc, 'service');
    },
    get url() {
      return need(svc, 'service').url;
    },
    get el() {
      return need(el, 'fake ElevenLabs');
    },
    get px() {
      return need(px, 'fake Pexels');
    },
    async run(body, route = '/v1/videos') {
      const base = fixture.url;
      const submit = await postJson(`${base}${route}`, body);
      assert.equal(submit.status, 202, JSON.stringify(submit.body));
      const id = String(submit.body.task_id ?? submit.body.storyboard_id);
      const { final, seen } = await pollUntilFinal(submit.body.status_url ?? `${base}/v1/videos/${id}`);
      return { id, final, seen };
    },
    async completed(body, route) {
      const { final } = await fixture.run(body, route);
      assert.equal(final.status, 'completed', JSON.stringify(final));
      return final;
    },
    async download(url, name) {
      const res = await fetch(url);
      assert.equal(res.status, 200, `GET ${url}`);
      const path = join(fixture.svc.dataDir, name);
      writeFileSync(path, Buffer.from(await res.arrayBuffer()));
      return path;
    },
  };
  return fixture;
}
