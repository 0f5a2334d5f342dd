// The Dispatcher contract: every adapter delivers a job as `POST {worker}{job.path}` (JSON body
// {task_id}) at least once, retries non-2xx answers, and treats a second enqueue of a waiting
// job name as done. The worker here is a loopback server that records what reaches it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { callbackJob, renderJob } from '../../functions/platform/jobs.ts';
import type { Dispatcher } from '../../functions/platform/ports.ts';

export interface DispatcherHarness {
  dispatcher: Dispatcher;
  /** Resolves once nothing is waiting to be delivered or retried. */
  idle(): Promise<void>;
  cleanup?: () => Promise<void>;
}

/** A dispatcher that delivers to `workerUrl` and retries quickly (tens of milliseconds). */
export type DispatcherFactory = (workerUrl: string) => Promise<DispatcherHarness>;

interface Delivery {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export function dispatcherContract(name: string, factory: DispatcherFactory): void {
  describe(`Dispatcher contract: ${name}`, () => {
    let deliveries: Delivery[];
    /** Status to answer per delivery; default 204. */
    let answer: (d: Delivery, nth: number) => Promise<number> | number;
    let worker: ReturnType<typeof createServer>;
    let h: DispatcherHarness;

    beforeEach(async () => {
      deliveries = [];
      answer = () => 204;
      worker = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const d = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
          deliveries.push(d);
          const nth = deliveries.filter((x) => x.url === d.url).length;
          void Promise.resolve(answer(d, nth)).then((status) => res.writeHead(status).end());
        });
      });
      await new Promise<void>((r) => worker.listen(0, '127.0.0.1', r));
      h = await factory(`http://127.0.0.1:${(worker.address() as AddressInfo).port}`);
    });
    afterEach(async () => {
      await h.dispatcher.close();
      await h.cleanup?.();
      worker.closeAllConnections();
      await new Promise((r) => worker.close(r));
    });

    it('delivers POST /tasks/{id}/run with a JSON body naming the task', async () => {
      const id = randomUUID();
      await h.dispatcher.enqueue(renderJob(id, 0));
      await h.idle();
      assert.equal(deliveries.length, 1);
      const [d] = deliveries;
      assert.equal(d!.method, 'POST');
      assert.equal(d!.url, `/tasks/${id}/run`);
      assert.match(String(d!.headers['content-type']), /^application\/json/);
      assert.deepEqual(JSON.parse(d!.body), { task_id: id });
      assert.equal(d!.headers['x-cloudtasks-taskname'], `${id}-r0`);
      assert.equal(d!.headers['x-cloudtasks-taskretrycount'], '0');
    });

    it('retries non-2xx answers until the worker accepts, counting retries', async () => {
      const id = randomUUID();
      answer = (_d, nth) => (nth <= 2 ? 503 : 200);
      await h.dispatcher.enqueue(renderJob(id, 0));
      await h.idle();
      assert.equal(deliveries.length, 3);
      assert.deepEqual(
        deliveries.map((d) => d.headers['x-cloudtasks-taskretrycount']),
        ['0', '1', '2'],
      );
    });

    it('a second enqueue of a task still waiting is a success, not a second delivery', async () => {
      const id = randomUUID();
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      answer = async () => {
        await held;
        return 204;
      };
      await h.dispatcher.enqueue(renderJob(id, 0));
      await h.dispatcher.enqueue(renderJob(id, 0));
      // Let a wrongly duplicated delivery reach the worker before releasing the first.
      await new Promise((r) => setTimeout(r, 100));
      release();
      await h.idle();
      assert.equal(deliveries.length, 1);
    });

    it('delivers each of several tasks once', async () => {
      const ids = Array.from({ length: 5 }, () => randomUUID());
      await Promise.all(ids.map((id) => h.dispatcher.enqueue(renderJob(id, 0))));
      await h.idle();
      assert.deepEqual(deliveries.map((d) => d.url).sort(), ids.map((id) => `/tasks/${id}/run`).sort());
    });
  
    it('a job asked for again under a new number is a new delivery', async () => {
      const id = randomUUID();
      await h.dispatcher.enqueue(renderJob(id, 0));
      await h.idle();
      await h.dispatcher.enqueue(renderJob(id, 1));
      await h.idle();
      assert.deepEqual(deliveries.map((d) => d.headers['x-cloudtasks-taskname']), [`${id}-r0`, `${id}-r1`]);
    });

    it('a callback job goes to /tasks/{id}/callback on the callbacks queue', async () => {
      const id = randomUUID();
      await h.dispatcher.enqueue(callbackJob(id, 0));
      await h.idle();
      assert.equal(deliveries.length, 1);
      assert.equal(deliveries[0]!.url, `/tasks/${id}/callback`);
      assert.equal(deliveries[0]!.headers['x-cloudtasks-taskname'], `${id}-c0`);
      assert.deepEqual(JSON.parse(deliveries[0]!.body), { task_id: id });
    });
  });
}
