// The chaos run's callback receiver, a client that is hard to deliver to: it answers 500 to the
// first try of every event and, for one event in five, lets the second try time out (it never
// answers, so the sender's 10 s limit ends it). It checks every signature and counts, per
// delivery id, the deliveries it accepted (a receiver de-duplicates by that id).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Accepted {
  event: string;
  taskId: string;
  status: string;
  /** 2xx answers given for this delivery id (more than one: a duplicate the id lets us drop). */
  times: number;
}

export interface CallbackReceiver {
  url: string;
  /** Delivery id → what was accepted. */
  accepted: Map<string, Accepted>;
  tries: number;
  refused: number;
  timedOut: number;
  badSignatures: number;
  /** Requests without the headers every callback carries. */
  malformed: number;
  close(): Promise<void>;
}

/** One event in five has its second try hang (a stable choice per id). */
const hangs = (deliveryId: string) => createHash('sha256').update(deliveryId).digest()[0]! % 5 === 0;
/** Longer than the sender's 10 s timeout. */
const HANG_MS = 15_000;

export async function startCallbackReceiver(secret: string): Promise<CallbackReceiver> {
  const triesById = new Map<string, number>();
  const r: Omit<CallbackReceiver, 'url' | 'close'> = { accepted: new Map(), tries: 0, refused: 0, timedOut: 0, badSignatures: 0, malformed: 0 };
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    r.tries++;
    const id = header(req, 'x-reelsmith-delivery-id');
    const event = header(req, 'x-reelsmith-event');
    const signature = header(req, 'x-reelsmith-signature');
    if (!id || !event || !signature) {
      r.malformed++;
      res.writeHead(400).end();
      return;
    }
    if (!signatureOk(secret, body, signature)) {
      r.badSignatures++;
      res.writeHead(401).end();
      return;
    }
    const n = (triesById.get(id) ?? 0) + 1;
    triesById.set(id, n);
    if (n === 1) {
      r.refused++;
      res.writeHead(500).end();
      return;
    }
    if (n === 2 && hangs(id)) {
      r.timedOut++;
      setTimeout(() => req.socket.destroy(), HANG_MS).unref();
      return;
    }
    const view = JSON.parse(body) as { task_id: string; status: string };
    const seen = r.accepted.get(id);
    if (seen) seen.times++;
    else r.accepted.set(id, { event, taskId: view.task_id, status: view.status, times: 1 });
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(r, {
    url: `http://127.0.0.1:${port}/hooks/reelsmith`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as CallbackReceiver;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as docs/api.md "Callbacks" tells receivers to check. */
function signatureOk(secret: string, body: string, header: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  if (!parts.t || !parts.v1) return false;
  const want = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  const got = Buffer.from(parts.v1, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}
