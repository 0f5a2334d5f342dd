// A loopback stand-in for the Cloud Tasks v2 REST API, faithful to the parts the dispatcher relies
// on: CreateTask over the REST transport (POST /v2/{parent}/tasks, JSON, bytes as base64,
// Duration as "1800s"), named-task de-duplication (409 ALREADY_EXISTS, kept after the task ran),
// and delivery: the task's HTTP request sent to its URL with the X-CloudTasks-* headers, retried
// with backoff on any non-2xx answer. Every CreateTask request is recorded for assertions.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCreate {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: {
    task: {
      name: string;
      dispatchDeadline?: string;
      httpRequest: {
        url: string;
        httpMethod: number | string;
        headers?: Record<string, string>;
        body?: string;
        oidcToken?: { serviceAccountEmail: string; audience?: string };
      };
    };
  };
}

export interface FakeCloudTasks {
  /** host:port for CloudTasksClient's apiEndpoint/port. */
  port: number;
  creates: RecordedCreate[];
  /** Answer the next `n` CreateTask calls with this HTTP status and Google error status. */
  failCreates(n: number, httpStatus: number, status: string): void;
  /** Resolves when every created task has been delivered with a 2xx (or given up). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const HTTP_METHODS = ['HTTP_METHOD_UNSPECIFIED', 'POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

export async function startFakeCloudTasks(opts: { minBackoffMs?: number; maxAttempts?: number } = {}): Promise<FakeCloudTasks> {
  const creates: RecordedCreate[] = [];
  const names = new Set<string>();
  const pending = new Set<Promise<void>>();
  let failures: { n: number; httpStatus: number; status: string } = { n: 0, httpStatus: 0, status: '' };
  const minBackoff = opts.minBackoffMs ?? 20;
  const maxAttempts = opts.maxAttempts ?? 20;
  let closed = false;

  async function deliver(task: RecordedCreate['body']['task']): Promise<void> {
    const queue = task.name.split('/tasks/')[0]!.split('/').pop()!;
    const shortName = task.name.split('/').pop()!;
    const method = typeof task.httpRequest.httpMethod === 'number' ? HTTP_METHODS[task.httpRequest.httpMethod] : task.httpRequest.httpMethod;
    const deadlineS = Number.parseFloat(task.dispatchDeadline ?? '600s');
    for (let attempt = 0; attempt < maxAttempts && !closed; attempt++) {
      try {
        const res = await fetch(task.httpRequest.url, {
          method: method ?? 'POST',
          headers: {
            ...task.httpRequest.headers,
            // Cloud Tasks mints a Google-signed ID token; an unsigned stand-in says who and for whom.
            ...(task.httpRequest.oidcToken
              ? { authorization: `Bearer fake-oidc.${Buffer.from(JSON.stringify(task.httpRequest.oidcToken)).toString('base64url')}` }
              : {}),
            'x-cloudtasks-queuename': queue,
            'x-cloudtasks-taskname': shortName,
            'x-cloudtasks-taskretrycount': String(attempt),
            'x-cloudtasks-taskexecutioncount': String(attempt),
          },
          ...(task.httpRequest.body ? { body: Buffer.from(task.httpRequest.body, 'base64') } : {}),
          signal: AbortSignal.timeout(deadlineS * 1000),
        });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // No answer within the deadline, or no connection: retried like a non-2xx.
      }
      await new Promise((r) => setTimeout(r, minBackoff * 2 ** Math.min(attempt, 6)));
    }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || !/^\/v2\/projects\/[^/]+\/locations\/[^/]+\/queues\/[^/]+\/tasks$/.test(url.pathname)) {
        return json(404, { error: { code: 404, message: `no route ${req.method} ${url.pathname}`, status: 'NOT_FOUND' } });
      }
      let body: RecordedCreate['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return json(400, { error: { code: 400, message: 'invalid JSON', status: 'INVALID_ARGUMENT' } });
      }
      creates.push({ method: req.method, url: req.url ?? '', headers: req.headers, body });
      if (failures.n > 0) {
        failures.n -= 1;
        return json(failures.httpStatus, { error: { code: failures.httpStatus, message: 'injected failure', status: failures.status } });
      }
      const task = body.task;
      if (!task?.httpRequest?.url) return json(400, { error: { code: 400, message: 'task.httpRequest.url is required', status: 'INVALID_ARGUMENT' } });
      if (task.name && !task.name.startsWith(`${url.pathname.slice('/v2/'.length, -'/tasks'.length)}/tasks/`)) {
        return json(400, { error: { code: 400, message: 'task name does not match the queue', status: 'INVALID_ARGUMENT' } });
      }
      if (task.name && names.has(task.name)) {
        return json(409, { error: { code: 409, message: 'Requested entity already exists', status: 'ALREADY_EXISTS' } });
      }
      if (task.name) names.add(task.name);
      json(200, { name: task.name, dispatchDeadline: task.dispatchDeadline, dispatchCount: 0 });
      const p = deliver(task).finally(() => pending.delete(p));
      pending.add(p);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));

  return {
    port: (server.address() as AddressInfo).port,
    creates,
    failCreates(n, httpStatus, status) {
      failures = { n, httpStatus, status };
    },
    async idle() {
      while (pending.size) await Promise.all([...pending]);
    },
    async close() {
      closed = true;
      await Promise.all([...pending]);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
