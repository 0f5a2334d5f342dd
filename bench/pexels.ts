// The benchmark's Pexels: test/fakes' loopback Pexels answers the API (auth, user-agent check,
// paging, rate-limit headers), and this thin proxy in front of it serves the rendition files from
// bench/.cache instead of letting the fake encode them per process (it has no option to serve
// files it did not make). Two small liberties, both in the proxy:
// - links in API answers are rewritten to point at the proxy;
// - `orientation` is dropped from searches, so a 9:16 task also gets the 16:9 sources (the most
//   expensive case for the renderer: crop and 1.8x upscale) and the workload is the same clips
//   at every aspect ratio.
// It records which rendition of which video it served, so the benchmark can check that the
// service really downloaded the costly renditions its workload is about. The file it serves for a
// rendition is the caller's (`pathOf`): the stock workload switches between its GOP variants.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAKE_PEXELS_KEY, startFakePexels, type FakePexelsVideo, type FakeRendition } from '../test/fakes/index.ts';

export interface BenchPexels {
  url: string;
  apiKey: string;
  /** Rendition files served so far (downloads by the service), in order. */
  served(): ServedFile[];
  close(): Promise<void>;
}

export interface ServedFile {
  videoId: number;
  rendition: FakeRendition;
}

/** Response headers of the API worth passing on (the rest are the fake's transport details). */
const PASSED_HEADERS = ['content-type', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'];

/** `pathOf`: the cached file behind a rendition, looked up at each download. */
export async function startBenchPexels(videos: FakePexelsVideo[], pathOf: (videoId: number, r: FakeRendition) => string): Promise<BenchPexels> {
  // The workloads measure video footage: no photos fill in, so the figures stay comparable.
  const fake = await startFakePexels({ videos, photos: [] });
  const files = new Map<string, ServedFile>();
  for (const v of videos) {
    for (const r of v.renditions) files.set(new URL(fake.fileUrl(v.id, r)).pathname, { videoId: v.id, rendition: r });
  }
  let base = '';
  const served: ServedFile[] = [];

  async function serveFile(path: string, res: ServerResponse): Promise<void> {
    const file = files.get(path);
    const on = file ? pathOf(file.videoId, file.rendition) : null;
    const size = on ? await stat(on).then((s) => s.size, () => null) : null;
    if (!file || !on || size === null) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    served.push({ videoId: file.videoId, rendition: file.rendition });
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(size), 'accept-ranges': 'bytes' });
    createReadStream(on).pipe(res);
  }

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = new URL(req.url ?? '/', fake.url);
    target.searchParams.delete('orientation');
    const headers: Record<string, string> = {};
    for (const h of ['authorization', 'user-agent', 'accept']) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const upstream = await fetch(target, { method: req.method ?? 'GET', headers });
    const body = (await upstream.text()).replaceAll(fake.url, base);
    const out: Record<string, string> = {};
    for (const h of PASSED_HEADERS) {
      const v = upstream.headers.get(h);
      if (v !== null) out[h] = v;
    }
    res.writeHead(upstream.status, out).end(body);
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const work = path.startsWith('/video-files/') ? serveFile(path, res) : forward(req, res);
    work.catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bench proxy: ${(err as Error).message}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    apiKey: FAKE_PEXELS_KEY,
    served: () => [...served],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await fake.close();
    },
  };
}
