// The BlobStore contract against Cloud Storage's JSON API (the offline emulator over HTTP), plus
// what only GCS has: object metadata (crc32c, content type, cache control) and V4 signed URLs
// whose RSA signature is checked against the test key's public half.
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CRC32C, Storage } from '@google-cloud/storage';
import { TaskError } from '../../functions/errors.ts';
import { GcsBlobStore, MAX_SIGNED_URL_TTL_S, type ServiceAccountKey } from '../../functions/platform/gcs-blob-store.ts';
import { skipUnlessGcsEmulator, startGcsEmulator, type GcsEmulator } from '../support/gcs-emulator.ts';
import { blobStoreContract } from './blob-store.contract.ts';
import { startCorruptingProxy } from './support/corrupting-proxy.ts';
import { checkV4SignedUrl } from './support/v4-signature.ts';
import { tempDir } from '../support/temp-dir.ts';

const skip = skipUnlessGcsEmulator();
const BUCKET = 'reelsmith-test';

// A throwaway service-account key: the only thing that makes V4 signing work offline.
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key: ServiceAccountKey = {
  client_email: 'reelsmith-signer@demo-reelsmith.iam.gserviceaccount.com',
  private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};

let emu: GcsEmulator;
let dir: string;
before(async () => {
  dir = tempDir('reelsmith-gcs-test-');
  if (!skip) emu = await startGcsEmulator();
});
after(async () => {
  await emu?.stop();
  await rm(dir, { recursive: true, force: true });
});

blobStoreContract(
  'GcsBlobStore (emulator)',
  async (now) => ({
    store: new GcsBlobStore({ bucket: BUCKET, projectId: emu.projectId, apiEndpoint: emu.endpoint, signingKey: key, now }),
  }),
  { skip },
);

describe('GcsBlobStore on the GCS API', { skip }, () => {
  it('uploads with content type, cache control and a crc32c the server agrees with', async () => {
    const store = new GcsBlobStore({ bucket: BUCKET, apiEndpoint: emu.endpoint, signingKey: key });
    const bytes = randomBytes(512 * 1024 + 3);
    const file = join(dir, 'video.mp4');
    await writeFile(file, bytes);
    const objectName = `videos/${randomUUID()}/video.mp4`;
    await store.put(objectName, file, { contentType: 'video/mp4', cacheControl: 'private, max-age=86400' });

    const storage = new Storage({ apiEndpoint: emu.endpoint, projectId: emu.projectId });
    const [md] = await storage.bucket(BUCKET).file(objectName).getMetadata();
    assert.equal(md.contentType, 'video/mp4');
    assert.equal(md.cacheControl, 'private, max-age=86400');
    assert.equal(Number(md.size), bytes.length);
    const crc = new CRC32C();
    crc.update(bytes);
    assert.equal(md.crc32c, crc.toString());
  });

  it('works configured the way the composition root does: STORAGE_EMULATOR_HOST + a key file in GOOGLE_APPLICATION_CREDENTIALS', async () => {
    const keyFile = join(dir, 'adc-key.json');
    await writeFile(keyFile, JSON.stringify({ type: 'service_account', project_id: emu.projectId, ...key }));
    const saved = { host: process.env.STORAGE_EMULATOR_HOST, adc: process.env.GOOGLE_APPLICATION_CREDENTIALS };
    process.env.STORAGE_EMULATOR_HOST = emu.endpoint;
    process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
    try {
      const store = new GcsBlobStore({ bucket: BUCKET, projectId: emu.projectId });
      const bytes = randomBytes(70_000);
      const file = join(dir, 'thumb.jpg');
      await writeFile(file, bytes);
      const objectName = `videos/${randomUUID()}/thumbnail.jpg`;
      await store.put(objectName, file, { contentType: 'image/jpeg' });
      const signed = await store.signedUrl(objectName, 300, 'thumb.jpg');
      assert.ok(signed.url.startsWith(`${emu.endpoint}/${BUCKET}/`), signed.url);
      const res = await fetch(signed.url);
      assert.equal(res.status, 200);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);
    } finally {
      for (const [k, v] of [['STORAGE_EMULATOR_HOST', saved.host], ['GOOGLE_APPLICATION_CREDENTIALS', saved.adc]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('bytes changed on the way are caught by the crc32c check, and no object is left behind', async () => {
    const proxy = await startCorruptingProxy(emu.endpoint);
    try {
      const store = new GcsBlobStore({ bucket: BUCKET, apiEndpoint: proxy.endpoint });
      const file = join(dir, 'corrupt-me.mp4');
      await writeFile(file, randomBytes(200_000));
      const objectName = `videos/${randomUUID()}/video.mp4`;
      await assert.rejects(store.put(objectName, file, { contentType: 'video/mp4' }), (err: TaskError) => {
        assert.ok(err instanceof TaskError);
        assert.equal(err.code, 'upload_failed');
        assert.equal(err.retryable, true);
        // The library's verdict after comparing its crc32c with the server's: mismatch, object deleted.
        assert.equal((err.cause as { code?: string }).code, 'FILE_NO_UPLOAD');
        return true;
      });
      assert.ok(proxy.corrupted() >= 1, 'the proxy saw no upload body');
      const direct = new GcsBlobStore({ bucket: BUCKET, apiEndpoint: emu.endpoint });
      assert.equal(await direct.exists(objectName), false);
    } finally {
      await proxy.close();
    }
  });

  it('a missing local file fails the upload and leaves no object', async () => {
    const store = new GcsBlobStore({ bucket: BUCKET, apiEndpoint: emu.endpoint });
    const objectName = `videos/${randomUUID()}/video.mp4`;
    await assert.rejects(store.put(objectName, join(dir, 'does-not-exist.mp4'), { contentType: 'video/mp4' }), { code: 'ENOENT' });
    assert.equal(await store.exists(objectName), false);
  });
});

describe('GcsBlobStore V4 signed URLs', () => {
  // Production endpoint, no network: signing with a key is local; the URL is only parsed.
  const signedAt = new Date('2030-03-01T12:00:00.400Z');
  const store = new GcsBlobStore({ bucket: 'reelsmith-videos', signingKey: key, now: () => signedAt });
  const pub = createPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));

  it('carries a valid RSA-SHA256 signature over the canonical request, and the TTL asked for', async () => {
    const objectName = 'videos/3f2a-é x/video.mp4';
    const signed = await store.signedUrl(objectName, 3600, 'Reelsmith video.mp4');
    const url = new URL(signed.url);
    assert.equal(url.protocol, 'https:');
    assert.equal(url.host, 'storage.googleapis.com');
    const check = checkV4SignedUrl(signed.url, pub);
    assert.equal(check.ok, true, 'signature does not verify with the public key');
    assert.equal(check.clientEmail, key.client_email);
    assert.equal(check.bucket, 'reelsmith-videos');
    assert.equal(check.object, objectName);
    assert.equal(check.expiresInS, 3600);
    assert.equal(check.signedAt.toISOString(), '2030-03-01T12:00:00.000Z');
    assert.equal(check.expiresAt.getTime(), signed.expiresAt.getTime());
    assert.equal(signed.expiresAt.toISOString(), '2030-03-01T13:00:00.000Z');
    assert.equal(
      check.params['response-content-disposition'],
      `attachment; filename="Reelsmith video.mp4"; filename*=UTF-8''Reelsmith%20video.mp4`,
    );
  });

  it('a changed object name, expiry or signing key no longer verifies', async () => {
    const signed = await store.signedUrl('videos/abc/video.mp4', 600);
    assert.equal(checkV4SignedUrl(signed.url, pub).ok, true);
    assert.equal(checkV4SignedUrl(signed.url.replace('/abc/', '/abd/'), pub).ok, false);
    assert.equal(checkV4SignedUrl(signed.url.replace('X-Goog-Expires=600', 'X-Goog-Expires=6000'), pub).ok, false);
    const other = createPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }));
    assert.equal(checkV4SignedUrl(signed.url, other).ok, false);
  });

  it('allows at most seven days', async () => {
    const week = await store.signedUrl('videos/abc/video.mp4', MAX_SIGNED_URL_TTL_S);
    assert.equal(checkV4SignedUrl(week.url, pub).expiresInS, 604_800);
    await assert.rejects(store.signedUrl('videos/abc/video.mp4', MAX_SIGNED_URL_TTL_S + 1), RangeError);
    await assert.rejects(store.signedUrl('videos/abc/video.mp4', 0), RangeError);
  });

  it('signs with the key file named by GOOGLE_APPLICATION_CREDENTIALS when no key is passed', async () => {
    const file = join(dir, 'sa-key.json');
    await writeFile(file, JSON.stringify({ type: 'service_account', project_id: 'demo-reelsmith', ...key }));
    const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    process.env.GOOGLE_APPLICATION_CREDENTIALS = file;
    try {
      const adc = new GcsBlobStore({ bucket: 'reelsmith-videos', projectId: 'demo-reelsmith' });
      const signed = await adc.signedUrl('videos/abc/video.mp4', 900);
      const check = checkV4SignedUrl(signed.url, pub);
      assert.equal(check.ok, true);
      assert.equal(check.clientEmail, key.client_email);
      assert.equal(check.expiresInS, 900);
    } finally {
      if (saved === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
    }
  });
});
