// A client generated from GET /openapi.json, as docs/api.md shows: openapi-typescript makes the types,
// openapi-fetch calls the service with them. The generated types accept a real request and catch
// a wrong one at compile time, and the client submits a video and reads it back.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import openapiTS, { astToString } from 'openapi-typescript';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { tempDir } from '../support/temp-dir.ts';

const ROOT = join(import.meta.dirname, '../..');

const CLIENT = (body: string) => `import createClient from 'openapi-fetch';
import type { paths, components } from './reelsmith.ts';

const client = createClient<paths>({ baseUrl: process.argv[2], headers: { authorization: 'Bearer client-key' } });
const submitted = await client.POST('/v1/videos', { body: ${body} });
if (!submitted.data) throw new Error(JSON.stringify(submitted.error));
const id: string = submitted.data.task_id;
const got = await client.GET('/v1/videos/{id}', { params: { path: { id } } });
const view: components['schemas']['TaskView'] | undefined = got.data;
const listed = await client.GET('/v1/videos', { params: { query: { limit: 5 } } });
console.log(JSON.stringify({ status: submitted.response.status, id, view_status: view?.status, listed: listed.data?.data.map((v) => v.task_id) }));
`;

function typecheck(dir: string): { status: number | null; out: string } {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--target', 'es2024', '--allowImportingTsExtensions', '--skipLibCheck', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types'), join(dir, 'client.ts')],
    { encoding: 'utf8' },
  );
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('a client generated from /openapi.json', () => {
  let svc: RunningServer;
  // A project of its own beside the service, with the repository's node_modules (openapi-fetch).
  const WORK = tempDir('reelsmith-client-');
  before(async () => {
    symlinkSync(join(ROOT, 'node_modules'), join(WORK, 'node_modules'), 'dir');
    const cfg = loadConfig({ PORT: '0', DATA_DIR: tempDir('reelsmith-client-'), API_KEYS: 'client-key', WORKER_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'error' });
    svc = await startServer(cfg, 'api', createLogger('fatal'));
    const doc = await (await fetch(`${svc.url}/openapi.json`)).json();
    // Fields with a default are optional in a request: they must not come out required.
    writeFileSync(join(WORK, 'reelsmith.ts'), astToString(await openapiTS(doc as never, { defaultNonNullable: false })));
    writeFileSync(join(WORK, 'package.json'), '{"type":"module"}');
  });
  after(async () => {
    await svc?.stop();
  });

  it('its types accept a real request and refuse a wrong one at compile time', () => {
    writeFileSync(join(WORK, 'client.ts'), CLIENT(`{ script_text: 'Typed from the document.', aspect_ratio: '1:1', captions: { style: 'karaoke' } }`));
    const good = typecheck(WORK);
    assert.equal(good.status, 0, good.out);
    writeFileSync(join(WORK, 'client.ts'), CLIENT(`{ script_text: 'Typed from the document.', aspect_ratio: '4:3' }`));
    const bad = typecheck(WORK);
    assert.notEqual(bad.status, 0);
    assert.match(bad.out, /'"4:3"' is not assignable/);
  });

  it('submits a video, reads it back and lists it', async () => {
    writeFileSync(join(WORK, 'client.ts'), CLIENT(`{ script_text: 'Submitted by a generated client.', resolution: '720p' }`));
    // Not spawnSync: the service answering it runs in this process.
    const r = await promisify(execFile)(process.execPath, [join(WORK, 'client.ts'), svc.url], { encoding: 'utf8' });
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 202);
    assert.equal(out.view_status, 'queued');
    assert.deepEqual(out.listed, [out.id]);
  });
});
