// A loopback HTTP proxy in front of the GCS emulator that flips one byte in every upload body it
// forwards: the server then stores (and checksums) other bytes than the client sent, which is
// what the client's crc32c validation exists to catch. Upload session URLs in `Location` headers
// are rewritten to point back at the proxy, so the resumable data also passes through it.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function startCorruptingProxy(target: string): Promise<{ endpoint: string; corrupted: () => number; close: () => Promise<void> }> {
  const up = new URL(target);
  let corrupted = 0;
  let endpoint = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const isUploadData = req.url?.startsWith('/upload/') && body.length > 0 && !String(req.headers['content-type']).includes('json');
      if (isUploadData) {
        body = Buffer.from(body);
        body[body.length >> 1]! ^= 0xff;
        corrupted += 1;
      }
      // The body is forwarded whole, so it goes with a length instead of the client's chunking.
      const { 'transfer-encoding': _chunked, ...rest } = req.headers;
      const headers = { ...rest, host: up.host, 'content-length': String(body.length) };
      const fwd = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (r) => {
        const out = { ...r.headers };
        if (typeof out.location === 'string') out.location = out.location.replace(up.origin, endpoint);
        res.writeHead(r.statusCode ?? 502, out);
        r.pipe(res);
      });
      fwd.on('error', () => {
        if (res.headersSent) res.destroy();
        else res.writeHead(502).end();
      });
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    corrupted: () => corrupted,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
