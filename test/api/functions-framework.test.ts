// The functions-framework registration (functions/index.ts) serves the same app as the server:
// for deployments as Cloud Run functions from source.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, postJson, uploadFile } from '../support/http.ts';
import { makeSpeechLikeWav } from '../support/media-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';

describe('functions-framework entry', () => {
  let server: Server;
  let url: string;
  before(async () => {
    Object.assign(process.env, {
      DATA_DIR: tempDir('reelsmith-ff-'),
      LOG_LEVEL: 'error',
      // Deliveries go nowhere: this test is about the api function only.
      WORKER_URL: 'http://127.0.0.1:1',
    });
    await import('../../functions/index.ts');
    server = getTestServer('api');
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('the api function answers health checks and accepts a video', async () => {
    assert.equal((await getJson(`${url}/healthz`)).body.status, 'ok');
    const r = await postJson(`${url}/generate-video`, { script_text: 'Through functions-framework.' });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const view = await getJson(`${url}/task/${r.body.task_id}`);
    assert.equal(view.body.status, 'queued');
  });

  it('validation errors keep their JSON shape behind the framework body parser', async () => {
    const r = await postJson(`${url}/v1/videos`, { script_text: 'x', colour: 'red' });
    assert.equal(r.status, 422);
    assert.equal(r.body.error.details[0].path, 'colour');
  });

  it('takes an upload the framework has already read into memory (rawBody)', async () => {
    const wav = readFileSync(await makeSpeechLikeWav(join(tempDir('reelsmith-ff-upload-'), 'take.wav'), 1));
    const r = await uploadFile(url, wav, 'take.wav');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.format, 'wav');
    assert.equal(r.body.size_bytes, wav.length);
  });
});
