// A storyboard end to end, on the ElevenLabs and Pexels fakes: make one, swap a piece's clip,
// render it as a video. The video plays exactly the storyboard's clips (each piece's frame is its
// clip's colour, every clip is a flat colour of its own), lasts its duration, credits its clips,
// costs no second voice or search, and its render's CPU time is within the documented factor of
// the storyboard's estimate (docs/storyboards.md "Estimates").
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FakePexelsVideo } from '../fakes/index.ts';
import { ffprobe } from '../support/ffprobe.ts';
import { frameAt } from '../support/video-frames.ts';
import { getJson, pollUntilFinal, postJson } from '../support/http.ts';
import { DocumentChecker, documented } from '../support/openapi.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait.ts';
import { withService } from '../support/with-service.ts';

/** The measured render's CPU seconds are within this factor of the estimate, either way (docs/storyboards.md "Estimates"). */
export const ESTIMATE_FACTOR = 3;

const COLORS = ['0xe6194b', '0x3cb44b', '0xffe119', '0x4363d8', '0xf58231', '0x911eb4', '0x46f0f0', '0xf032e6', '0xbcf60c', '0xfabebe', '0x008080', '0x9a6324'];

/**
 * Flat colours for mountains and rivers (to tell clips apart in frames); moving detail, like real
 * footage, for the city: testsrc2, which ffmpeg draws for a fraction of mandelbrot's CPU.
 */
function catalog(): FakePexelsVideo[] {
  const colours = COLORS.map((color, i) => ({
    id: 2_000_001 + i,
    durationS: 4 + (i % 3),
    width: 720,
    height: 1280,
    user: { id: 900 + i, name: `Author ${i}`, url: `https://www.pexels.com/@author-${i}` },
    renditions: [{ quality: 'hd', width: 720, height: 1280, fps: 25 }],
    tags: ['mountains', 'river'],
    pattern: 'color' as const,
    color,
  }));
  const detail = [0, 1, 2, 3, 4, 5].map((i) => ({
    id: 3_000_001 + i,
    durationS: 5 + (i % 3),
    width: 720,
    height: 1280,
    user: { id: 950 + i, name: `City ${i}`, url: `https://www.pexels.com/@city-${i}` },
    renditions: [{ quality: 'hd', width: 720, height: 1280, fps: 25 }],
    tags: ['city'],
    pattern: 'testsrc2' as const,
  }));
  return [...colours, ...detail];
}

/** The mean colour of a picture (a video's frame at `atS`, or an image), as RGB. */
async function meanColor(path: string, atS = 0): Promise<[number, number, number]> {
  const out = await frameAt(path, atS, 1, 1, 'area');
  return [out[0]!, out[1]!, out[2]!];
}
const distance = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

/** CPU seconds of the process's ended children (utime+stime are fields 16 and 17 of /proc/<pid>/stat, in clock ticks). */
function childCpuS(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // After the ")" the fields start at 3 (state); cutime and cstime are 16 and 17.
  return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / 100;
}

describe('storyboards', () => {
  // The default encoder settings: the estimate test compares the render's CPU time with what the
  // storyboard says, and docs/storyboards.md's allowance was measured on this render.
  const service = withService({ elevenlabs: true, pexels: { videos: catalog() }, env: { RENDER_PRESET: 'veryfast' } });
  const checker = new DocumentChecker();
  const call = (method: string, route: string, path: string, body?: unknown) =>
    documented(checker, route, `${service.url}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const apiRequests = () => service.px.requests.filter((r) => !r.path.startsWith('/video-files/')).length;

  it('a storyboard, one clip swapped, renders into a video of exactly its clips', async () => {
    const made = await call('POST', '/v1/storyboards', '/v1/storyboards', {
      scenes: [
        { text: 'Mountains are older than you think. They rise over long ages.', search_query: 'mountains' },
        { text: 'Rivers carve them, grain by grain, and carry them to the sea.', search_query: 'river', transition: { type: 'fade', duration_s: 0.3 } },
      ],
      resolution: '720p',
      captions: false,
      seed: 11,
      framing: 'blur',
    });
    assert.equal(made.status, 202, JSON.stringify(made.body));
    const id = made.body.storyboard_id;
    const sb = await waitFor(async () => {
      const r = await call('GET', '/v1/storyboards/{id}', `/v1/storyboards/${id}`);
      assert.ok(!['failed', 'cancelled'].includes(r.body.status), JSON.stringify(r.body));
      return r.body.status === 'completed' ? r.body : null;
    }, 'the storyboard');
    const board = sb.storyboard;
    assert.equal(board.width, 720);
    assert.equal(board.scenes.length, 2);
    assert.ok(board.sentences.length === 3, 'each sentence with its times');
    // The pieces tile the narration, each in a scene, each with its clip's thumbnail.
    assert.equal(board.pieces[0].start_s, 0);
    assert.equal(board.pieces.at(-1).end_s, board.duration_s);
    for (const [i, p] of board.pieces.entries()) {
      if (i > 0) assert.equal(p.start_s, board.pieces[i - 1].end_s);
      assert.equal(p.clip.provider, 'pexels');
      assert.ok(p.clip.source_end_s - p.clip.source_start_s > 0);
      // How each is drawn: subtle motion by default, the video's framing, the second scene's fade into its pieces.
      assert.match(p.motion, /^(zoom-in|zoom-out|pan-(left|right|up|down))$/);
      assert.equal(p.framing, 'blur');
      assert.deepEqual(p.transition, p.scene === 1 && i > 0 ? { type: 'fade', duration_s: 0.3 } : null, `piece ${i}`);
    }
    assert.ok(board.pieces.some((p: any) => p.scene === 1), 'the second scene has pieces');
    const usage = board.usage;
    assert.equal(usage.speech_provider, 'elevenlabs');
    assert.equal(usage.speech_characters, service.el.spoken.reduce((n, s) => n + s.text.length, 0), 'the characters ElevenLabs was sent');
    assert.equal(usage.pexels_requests, apiRequests(), 'the requests Pexels answered');

    // Swap the first piece that has a candidate.
    const piece = board.pieces.find((p: any) => p.candidates.length > 0);
    assert.ok(piece, 'some piece has candidates to swap to');
    const to = piece.candidates[0];
    const swapped = await call('PUT', '/v1/storyboards/{id}/pieces/{n}', `/v1/storyboards/${id}/pieces/${piece.index}`, { clip_id: to.clip_id });
    assert.equal(swapped.status, 200, JSON.stringify(swapped.body));
    const after = swapped.body.storyboard;
    assert.equal(after.pieces[piece.index].clip.clip_id, to.clip_id);
    assert.equal(after.pieces[piece.index].swapped, true);
    assert.ok(after.pieces[piece.index].candidates.some((c: any) => c.clip_id === piece.clip.clip_id), 'the plan’s own clip can come back');
    // Not a candidate: the field named, nothing changed.
    const refused = await call('PUT', '/v1/storyboards/{id}/pieces/{n}', `/v1/storyboards/${id}/pieces/${piece.index}`, { clip_id: 999 });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.details[0].path, 'clip_id');

    // Render it: nothing asked of ElevenLabs or Pexels again.
    const spoken = service.el.spoken.length;
    const requests = service.px.requests.length;
    const video = await call('POST', '/v1/videos', '/v1/videos', { storyboard_id: id, metadata: { from: 'storyboard' } });
    assert.equal(video.status, 202, JSON.stringify(video.body));
    const { final } = await pollUntilFinal(video.body.status_url);
    assert.equal(final.status, 'completed', JSON.stringify(final));
    assert.deepEqual(final.metadata, { from: 'storyboard' });
    assert.equal(service.el.spoken.length, spoken, 'no second voice charge');
    assert.equal(service.px.requests.length, requests, 'no search or download again');

    // Same duration, same credits.
    assert.ok(Math.abs(final.result.duration_s - after.duration_s) <= 0.05, `${final.result.duration_s} vs ${after.duration_s}`);
    const key = (c: any) => `${c.author}|${c.video_url}`;
    assert.deepEqual(final.result.credits.map(key).sort(), after.credits.map(key).sort());

    // Each piece shows its clip: the frame in its middle has its clip's colour, and not another's.
    const dir = tempDir('storyboard-e2e-');
    const mp4 = join(dir, 'video.mp4');
    writeFileSync(mp4, Buffer.from(await (await fetch(final.result.video_url)).arrayBuffer()));
    assert.ok(Math.abs(ffprobe(mp4).durationS - after.duration_s) <= 0.1);
    const thumbColor = new Map<number, [number, number, number]>();
    for (const p of after.pieces) {
      for (const c of [p.clip, ...p.candidates]) {
        if (thumbColor.has(c.clip_id)) continue;
        const file = join(dir, `clip-${c.clip_id}.jpg`);
        const r = await fetch(c.thumbnail_url);
        assert.equal(r.headers.get('content-type'), 'image/jpeg');
        writeFileSync(file, Buffer.from(await r.arrayBuffer()));
        thumbColor.set(c.clip_id, await meanColor(file));
      }
    }
    for (const p of after.pieces) {
      const frame = await meanColor(mp4, (p.start_s + p.end_s) / 2);
      const own = thumbColor.get(p.clip.clip_id)!;
      assert.ok(distance(frame, own) <= 24, `piece ${p.index}: frame ${frame} vs its clip ${own}`);
      for (const c of p.candidates) {
        const other = thumbColor.get(c.clip_id)!;
        if (distance(own, other) > 60) assert.ok(distance(frame, other) > 36, `piece ${p.index} does not show candidate ${c.clip_id}`);
      }
    }
  });

  it("the render's CPU time is within the documented factor of the storyboard's estimate", async () => {
    const made = await call('POST', '/v1/storyboards', '/v1/storyboards', {
      script_text: 'The city never sleeps. Its lights burn through the night. Trains run under every street. By dawn the markets open again.',
      search_query: 'city',
      resolution: '720p',
    });
    assert.equal(made.status, 202);
    const sb = await waitFor(async () => {
      const r = await getJson(made.body.status_url);
      assert.ok(!['failed', 'cancelled'].includes(r.body.status), JSON.stringify(r.body));
      return r.body.status === 'completed' ? r.body : null;
    }, 'the storyboard');
    const cpuBefore = childCpuS(service.svc.proc.pid!);
    const video = await postJson(`${service.url}/v1/videos`, { storyboard_id: sb.storyboard_id });
    const { final } = await pollUntilFinal(video.body.status_url);
    assert.equal(final.status, 'completed', JSON.stringify(final));
    const cpu = childCpuS(service.svc.proc.pid!) - cpuBefore;
    const est = sb.storyboard.estimate.render_cpu_s;
    assert.ok(est / ESTIMATE_FACTOR <= cpu && cpu <= est * ESTIMATE_FACTOR, `render CPU ${cpu.toFixed(2)} s, estimated ${est} s (factor ${ESTIMATE_FACTOR})`);
  });

  it('refuses what a storyboard cannot take, and answers for one not ready or unknown', async () => {
    const bad = await postJson(`${service.url}/v1/storyboards`, { script_text: 'A callback belongs to the video.', callback_url: 'https://example.com/hook' });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.details[0].path, 'callback_url');
    const unknown = await postJson(`${service.url}/v1/videos`, { storyboard_id: 'no-such-storyboard' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error.message, /storyboard no-such-storyboard/);
    const both = await postJson(`${service.url}/v1/videos`, { storyboard_id: 'x', script_text: 'Two plans.' });
    assert.equal(both.status, 422);
    // A storyboard still being prepared cannot be rendered yet, nor swapped.
    const made = await postJson(`${service.url}/v1/storyboards`, { script_text: 'Slow clouds drift over the hills at dawn.', resolution: '720p' });
    assert.equal(made.status, 202);
    const id = made.body.storyboard_id;
    const early = await postJson(`${service.url}/v1/videos`, { storyboard_id: id, aspect_ratio: '1:1' });
    assert.equal(early.status, 422, 'fields of the storyboard’s own request are refused with it');
    assert.equal(early.body.error.details[0].path, 'aspect_ratio');
    const cancelled = await fetch(`${service.url}/v1/storyboards/${id}`, { method: 'DELETE' });
    if (cancelled.status === 200) {
      assert.equal((await cancelled.json()).status, 'cancelled');
      const r = await postJson(`${service.url}/v1/videos`, { storyboard_id: id });
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, 'storyboard_not_ready');
    } else assert.equal(cancelled.status, 409, 'already prepared');
    const gone = await getJson(`${service.url}/v1/storyboards/unknown-id`);
    assert.equal(gone.status, 404);
  });
});
