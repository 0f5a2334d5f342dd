// A loopback TCP proxy that can cut its clients off: an outage of the service behind it (the
// chaos run restarts the Firestore emulator behind one, so that the services see a Firestore that
// goes away and comes back with its data, not a new empty one).
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** host:port clients connect to. */
  host: string;
  /** Drop every connection and refuse new ones (reset) until resume(). */
  cut(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let down = false;
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server: Server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('error', end);
    upstream.once('error', end);
    client.once('close', end);
    upstream.once('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    host: `127.0.0.1:${port}`,
    cut() {
      down = true;
      for (const s of sockets) s.resetAndDestroy();
    },
    resume() {
      down = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
