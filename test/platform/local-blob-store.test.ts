// The BlobStore contract against the local store. Its signed URLs point at the local server's
// /files/ route; here a minimal loopback server plays that route through LocalBlobStore.open(),
// the same check-then-serve call the real server makes.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILES_ROUTE, LocalBlobStore } from '../../functions/platform/local-blob-store.ts';
import { blobStoreContract } from './blob-store.contract.ts';

blobStoreContract('LocalBlobStore (files + HMAC URLs)', async (now) => {
  const dir = await mkdtemp(join(tmpdir(), 'reelsmith-blobs-'));
  let store: LocalBlobStore | undefined;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!store || !url.pathname.startsWith(FILES_ROUTE)) return void res.writeHead(404).end();
    const key = url.pathname.slice(FILES_ROUTE.length).split('/').map(decodeURIComponent).join('/');
    store.open(key, url.searchParams).then(
      (opened) => {
        if (!opened.ok) return void res.writeHead(opened.status).end(opened.reason);
        res.writeHead(200, { 'content-type': opened.blob.contentType, 'content-length': opened.blob.sizeBytes });
        createReadStream(opened.blob.path).pipe(res);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  store = new LocalBlobStore({ dir: join(dir, 'blobs'), publicUrl: `http://127.0.0.1:${port}`, now });
  return {
    store,
    cleanup: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    },
  };
});
