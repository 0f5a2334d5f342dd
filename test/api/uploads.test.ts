// POST /v1/uploads to its contract: a recording in, an upload_id out; each way of getting it
// wrong answered with its status and code, nothing kept. A submit names an upload only of its own
// key, before it expires; local retention deletes expired uploads.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../functions/config.ts';
import { uploadKeys } from '../../functions/domain/uploads.ts';
import { createLogger } from '../../functions/log.ts';
import { LocalBlobStore } from '../../functions/platform/local-blob-store.ts';
import { purgeExpiredUploads } from '../../functions/platform/local-retention.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { makeGarbage, makeSpeechLikeWav, makeVideo } from '../support/media-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait.ts';

const MAX_BYTES = 96 * 1024;
const KEY_A = 'key-a-0123456789';
const KEY_B = 'key-b-0123456789';

interface Answer {
  status: number;
  body: { error?: { code: string; message: string; details?: { path: string; message: string }[] } } & Record<string, unknown>;
}

describe('POST /v1/uploads', () => {
  let svc: RunningServer;
  let dataDir: string;
  const media = tempDir('uploads-media-');
  let voice: Buffer;
  // The server's temporary files go here (os.tmpdir() reads TMPDIR): none may be left behind.
  const scratch = tempDir('uploads-tmp-');
  const tmpBefore = process.env.TMPDIR;

  before(async () => {
    process.env.TMPDIR = scratch;
    dataDir = tempDir('reelsmith-uploads-');
    const cfg = loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      MAX_UPLOAD_BYTES: String(MAX_BYTES),
      MAX_NARRATION_SECONDS: '5',
      MAX_CONCURRENT_UPLOADS: '1',
      API_KEYS: `${KEY_A},${KEY_B}`,
      LOG_LEVEL: 'error',
    });
    svc = await startServer(cfg, 'local', createLogger('error'));
    // 1.5 s of 24 kHz mono 16-bit WAV: 72,044 bytes, under the 96 KiB cap; two of it are over.
    voice = readFileSync(await makeSpeechLikeWav(join(media, 'voice.wav'), 1.5));
  });
  after(async () => {
    await svc?.stop();
    if (tmpBefore === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpBefore;
  });

  async function upload(file: Buffer | null, o: { name?: string; type?: string; key?: string; field?: string } = {}): Promise<Answer> {
    const form = new FormData();
    if (file) form.append(o.field ?? 'file', new Blob([new Uint8Array(file)], { type: o.type ?? 'audio/wav' }), o.name ?? 'voice.wav');
    const res = await fetch(`${svc.url}/v1/uploads`, { method: 'POST', headers: { 'x-api-key': o.key ?? KEY_A }, body: form });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  }

  const submit = async (uploadId: string, key = KEY_A): Promise<Answer> => {
    const res = await fetch(`${svc.url}/v1/videos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ script_text: 'A short script.', voiceover: { upload_id: uploadId } }),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };

  const uploadsKept = () => (existsSync(join(dataDir, 'blobs', 'uploads')) ? readdirSync(join(dataDir, 'blobs', 'uploads'), { recursive: true }).length : 0);

  it('refuses a body that is not multipart: 415', async () => {
    const res = await fetch(`${svc.url}/v1/uploads`, { method: 'POST', headers: { 'x-api-key': KEY_A, 'content-type': 'audio/wav' }, body: new Uint8Array(voice) });
    const body = (await res.json()) as Answer['body'];
    assert.equal(res.status, 415);
    assert.equal(body.error?.code, 'unsupported_media_type');
    assert.match(body.error!.message, /multipart\/form-data, in a part named "file"/);
  });

  it('refuses a file over MAX_UPLOAD_BYTES: 413, declared or found while reading', async () => {
    // Declared: Content-Length over the cap and the form's allowance, refused before reading.
    const a = await upload(Buffer.concat([voice, voice, voice]));
    assert.equal(a.status, 413, JSON.stringify(a.body));
    assert.equal(a.body.error?.code, 'payload_too_large');
    assert.match(a.body.error!.message, /MAX_UPLOAD_BYTES \(0\.1 MiB\)/);
    // Sent in chunks with no Content-Length: busboy stops at the cap.
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(Buffer.concat([voice, voice]))]), 'voice.wav');
    const encoded = new Response(form);
    const res = await fetch(`${svc.url}/v1/uploads`, {
      method: 'POST',
      headers: { 'x-api-key': KEY_A, 'content-type': encoded.headers.get('content-type')! },
      body: encoded.body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as Answer['body']).error?.code, 'payload_too_large');
  });

  it('refuses what is not a narration: 422 naming file', async () => {
    const video = readFileSync(await makeVideo(join(media, 'clip.mp4'), { width: 96, height: 160, durationS: 1 }));
    const garbage = readFileSync(await makeGarbage(join(media, 'garbage.mp3')));
    const long = readFileSync(await makeSpeechLikeWav(join(media, 'long.wav'), 6).then(async () => {
      const { execFileSync } = await import('node:child_process');
      const out = join(media, 'long.ogg');
      execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', join(media, 'long.wav'), '-c:a', 'libopus', '-b:a', '16k', out]);
      return out;
    }));
    const cases: [string, Buffer, RegExp][] = [
      ['a video', video, /video stream; send the sound alone/],
      ['not media', garbage, /not audio ffmpeg can read/],
      ['over MAX_NARRATION_SECONDS', long, /it is 6 s long; a narration may be at most 5 s/],
    ];
    for (const [what, file, message] of cases) {
      const a = await upload(file, { name: 'x.bin', type: 'audio/mpeg' });
      assert.equal(a.status, 422, `${what}: ${JSON.stringify(a.body)}`);
      assert.equal(a.body.error?.code, 'invalid_request');
      assert.equal(a.body.error?.details?.[0]?.path, 'file', what);
      assert.match(a.body.error!.details![0]!.message, message, what);
    }
    const none = await upload(null);
    assert.equal(none.status, 422);
    assert.match(none.body.error!.details![0]!.message, /required: send the recording in a part named "file"/);
    const misnamed = await upload(voice, { field: 'audio' });
    assert.equal(misnamed.status, 422);
    assert.equal(misnamed.body.error?.details?.[0]?.path, 'audio');
    assert.equal(uploadsKept(), 0, 'nothing refused is kept');
  });

  it('needs a key', async () => {
    const res = await fetch(`${svc.url}/v1/uploads`, { method: 'POST', body: new FormData() });
    assert.equal(res.status, 401);
  });

  it('keeps a recording under its key and answers its upload_id; a submit of another key cannot name it', async () => {
    const a = await upload(voice, { name: 'my take.wav' });
    assert.equal(a.status, 201, JSON.stringify(a.body));
    const id = a.body.upload_id as string;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(a.body.format, 'wav');
    assert.equal(a.body.codec, 'pcm_s16le');
    assert.ok(Math.abs((a.body.duration_s as number) - 1.5) < 0.01, String(a.body.duration_s));
    assert.equal(a.body.size_bytes, voice.length);
    assert.equal(a.body.filename, 'my take.wav');
    const days = (Date.parse(a.body.expires_at as string) - Date.parse(a.body.created_at as string)) / 86_400_000;
    assert.equal(days, 7, 'kept RETENTION_DAYS');
    // The bytes kept are the bytes sent, under the key's owner folder.
    const kept = readdirSync(join(dataDir, 'blobs', 'uploads'));
    assert.equal(kept.length, 1);
    assert.deepEqual(readFileSync(join(dataDir, 'blobs', uploadKeys(kept[0]!, id).file)), voice);

    const ok = await submit(id);
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
    await fetch(`${svc.url}/v1/videos/${ok.body.task_id}`, { method: 'DELETE', headers: { 'x-api-key': KEY_A } });
    for (const [uploadId, key] of [
      [id, KEY_B],
      ['00000000-0000-4000-8000-000000000000', KEY_A],
    ] as const) {
      const refused = await submit(uploadId, key);
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      assert.equal(refused.body.error?.details?.[0]?.path, 'voiceover.upload_id');
      assert.match(refused.body.error!.details![0]!.message, /send the recording to POST \/v1\/uploads/);
    }
  });

  it('receives MAX_CONCURRENT_UPLOADS at once: one more is 503 uploads_busy; no temporary file outlives its upload', async () => {
    const boundary = 'reelsmith-test-boundary';
    const head = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="slow.wav"\r\ncontent-type: audio/wav\r\n\r\n`);
    let send!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void ((send = c), c.enqueue(new Uint8Array(Buffer.concat([head, voice.subarray(0, 1000)])))) });
    const slow = fetch(`${svc.url}/v1/uploads`, {
      method: 'POST',
      headers: { 'x-api-key': KEY_A, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      duplex: 'half',
    } as RequestInit);
    // The first upload is being received once its temporary folder exists.
    await waitFor(() => readdirSync(scratch).some((f) => f.startsWith('reelsmith-upload-')), 'the first upload to start');
    const busy = await upload(voice);
    assert.equal(busy.status, 503, JSON.stringify(busy.body));
    assert.equal(busy.body.error?.code, 'uploads_busy');
    send.enqueue(new Uint8Array(Buffer.concat([voice.subarray(1000), Buffer.from(`\r\n--${boundary}--\r\n`)])));
    send.close();
    const done = await slow;
    assert.equal(done.status, 201, await done.text());
    assert.equal((await upload(voice)).status, 201, 'the next one is taken');
    assert.deepEqual(readdirSync(scratch).filter((f) => f.startsWith('reelsmith-upload-')), [], 'no temporary file left');
  });

  it('local retention deletes an upload past its expires_at, and only that', async () => {
    const a = await upload(voice);
    const id = a.body.upload_id as string;
    const blobs = new LocalBlobStore({ dir: join(dataDir, 'blobs'), publicUrl: svc.url });
    const before = uploadsKept();
    assert.deepEqual(await purgeExpiredUploads(blobs, new Date(Date.now() + 86_400_000)), []);
    assert.equal(uploadsKept(), before);
    const purged = await purgeExpiredUploads(blobs, new Date(Date.parse(a.body.expires_at as string) + 1));
    assert.ok(purged.includes(id));
    const res = await submit(id);
    assert.equal(res.status, 422);
    assert.equal(res.body.error?.details?.[0]?.path, 'voiceover.upload_id');
  });
});
