// A replayed submit (the same Idempotency-Key and body) is answered from its task before anything
// that can have changed since is checked again: a music mood since removed, a storyboard since
// expired. And a key over SUBMITS_PER_MINUTE is refused before the api resolves a single URL.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { getJson, pollUntilFinal, postJson } from '../support/http.ts';
import { tempDir } from '../support/temp-dir.ts';

const quiet = createLogger('fatal');

describe('replays and limits come before the costly checks (api only, no worker)', () => {
  let api: RunningServer;
  let music: string;
  before(async () => {
    const dir = tempDir('reelsmith-replays-');
    music = join(dir, 'music');
    // The api only lists the library (a track's name is enough); no worker ever plays it here.
    mkdirSync(join(music, 'chill'), { recursive: true });
    writeFileSync(join(music, 'chill', 'track.wav'), 'not played');
    api = await startServer(
      loadConfig({
        PORT: '0',
        DATA_DIR: join(dir, 'data'),
        MUSIC_DIR: music,
        API_KEYS: 'key-one,key-two',
        SUBMITS_PER_MINUTE: '2',
        WORKER_URL: 'http://127.0.0.1:1',
        LOG_LEVEL: 'error',
      }),
      'api',
      quiet,
    );
  });
  after(() => api?.stop());

  it('a replay is 200 with its task after its music mood was removed (a new submit gets the 422)', async () => {
    const headers = { authorization: 'Bearer key-one', 'idempotency-key': 'mood-1' };
    const body = { script_text: 'Music by mood.', music: { mood: 'chill' } };
    const first = await postJson(`${api.url}/v1/videos`, body, headers);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    rmSync(join(music, 'chill'), { recursive: true });
    const replay = await postJson(`${api.url}/v1/videos`, body, headers);
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.task_id, first.body.task_id);
    const fresh = await postJson(`${api.url}/v1/videos`, body, { authorization: 'Bearer key-one' });
    assert.equal(fresh.status, 422);
    assert.equal(fresh.body.error.details[0].path, 'music.mood');
    // Another body under the used key is still a conflict, also answered before the checks.
    const other = await postJson(`${api.url}/v1/videos`, { ...body, script_text: 'Something else.' }, headers);
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, 'idempotency_conflict');
  });

  it('a key over its rate is refused 429 before its URLs are resolved; its replays still answer 200', async () => {
    const headers = { authorization: 'Bearer key-two' };
    const a = await postJson(`${api.url}/v1/videos`, { script_text: 'First.' }, { ...headers, 'idempotency-key': 'rate-1' });
    assert.equal(a.status, 202);
    assert.equal((await postJson(`${api.url}/v1/videos`, { script_text: 'Second.' }, headers)).status, 202);
    // A host that does not resolve: checked first, this would be a 422 (and a lookup per host).
    const third = await postJson(`${api.url}/v1/videos`, { script_text: 'Third.', callback_url: 'https://nowhere.invalid/hook' }, headers);
    assert.equal(third.status, 429, JSON.stringify(third.body));
    assert.equal(third.body.error.code, 'rate_limited');
    assert.ok(Number(third.headers.get('retry-after')) >= 1);
    const replay = await postJson(`${api.url}/v1/videos`, { script_text: 'First.' }, { ...headers, 'idempotency-key': 'rate-1' });
    assert.equal(replay.status, 200);
    assert.equal(replay.body.task_id, a.body.task_id);
  });
});

describe('a replayed render of a storyboard that has since expired (local service)', () => {
  let svc: RunningServer;
  before(async () => {
    const dir = tempDir('reelsmith-replays-sb-');
    svc = await startServer(loadConfig({ PORT: '0', DATA_DIR: dir, LOG_LEVEL: 'error' }), 'local', quiet);
  });
  after(() => svc?.stop());

  it('is 200 with its task, not 410', async () => {
    const made = await postJson(`${svc.url}/v1/storyboards`, { script_text: 'Clouds drift over the hills.', resolution: '720p' });
    assert.equal(made.status, 202, JSON.stringify(made.body));
    const sb = await pollUntilFinal(made.body.status_url);
    assert.equal(sb.final.status, 'completed', JSON.stringify(sb.final));
    const headers = { 'idempotency-key': 'from-storyboard-1' };
    const body = { storyboard_id: made.body.storyboard_id };
    const first = await postJson(`${svc.url}/v1/videos`, body, headers);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    // The video itself is not the point: stop it.
    assert.equal((await fetch(`${svc.url}/v1/videos/${first.body.task_id}`, { method: 'DELETE' })).status, 200);
    await svc.runtime.storyboards.update(made.body.storyboard_id, (t) => ({ write: t && { ...t, expire_at: new Date(Date.now() - 1000).toISOString() }, result: null }));
    assert.equal((await getJson(`${svc.url}/v1/storyboards/${made.body.storyboard_id}`)).status, 410);
    const replay = await postJson(`${svc.url}/v1/videos`, body, headers);
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.task_id, first.body.task_id);
  });
});
