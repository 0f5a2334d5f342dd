// The Dispatcher contract for Cloud Tasks, over the REST transport against a loopback server that
// speaks the Cloud Tasks v2 API; plus the exact CreateTask request the client library sends.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OAuth2Client } from 'google-auth-library';
import { CloudTasksDispatcher, type CloudTasksDispatcherOptions } from '../../functions/platform/cloud-tasks-dispatcher.ts';
import { callbackJob, renderJob, type Job } from '../../functions/platform/jobs.ts';
import { dispatcherContract } from './dispatcher.contract.ts';
import { startFakeCloudTasks, type FakeCloudTasks } from './support/fake-cloud-tasks.ts';

/** A client that sends a fixed bearer token: no Google credentials, no network beyond loopback. */
function fixedTokenAuth(): OAuth2Client {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'test-access-token', expiry_date: Date.now() + 24 * 3600_000 });
  return auth;
}

/** A render job whose Cloud Tasks name is exactly `name` (for the request-shape assertions). */
const job = (name: string): Job => ({ ...renderJob('t', 0), name, path: `/tasks/${name}/run`, taskId: name });

function dispatcherFor(fake: FakeCloudTasks, over: Partial<CloudTasksDispatcherOptions> = {}): CloudTasksDispatcher {
  return new CloudTasksDispatcher({
    projectId: 'demo-reelsmith',
    location: 'europe-west1',
    queues: { render: 'render-queue', callbacks: 'callback-queue' },
    workerUrl: 'https://worker-abc-ew.a.run.app',
    invokerServiceAccount: 'tasks-invoker@demo-reelsmith.iam.gserviceaccount.com',
    retryDelayMs: 10,
    clientOptions: { fallback: true, protocol: 'http', apiEndpoint: '127.0.0.1', port: fake.port, authClient: fixedTokenAuth() },
    ...over,
  });
}

dispatcherContract('CloudTasksDispatcher (REST, loopback Cloud Tasks)', async (workerUrl) => {
  const fake = await startFakeCloudTasks({ minBackoffMs: 10 });
  return { dispatcher: dispatcherFor(fake, { workerUrl }), idle: () => fake.idle(), cleanup: () => fake.close() };
});

describe('CloudTasksDispatcher CreateTask request', () => {
  let fake: FakeCloudTasks;
  before(async () => {
    // Deliveries go to an unroutable worker URL here; keep the fake from retrying them for long.
    fake = await startFakeCloudTasks({ maxAttempts: 1 });
  });
  after(async () => {
    await fake.close();
  });

  it('names the task after the job, with an OIDC token, a 1800 s deadline and a JSON body', async () => {
    const d = dispatcherFor(fake, { workerUrl: 'http://127.0.0.1:9/', headers: { 'X-Reelsmith-Dispatch-Token': 'tok' } });
    const before = fake.creates.length;
    await d.enqueue(job('task-123'));
    await d.close();
    assert.equal(fake.creates.length, before + 1);
    const c = fake.creates.at(-1)!;
    assert.equal(c.method, 'POST');
    assert.equal(new URL(c.url, 'http://x').pathname, '/v2/projects/demo-reelsmith/locations/europe-west1/queues/render-queue/tasks');
    assert.equal(c.headers.authorization, 'Bearer test-access-token');
    assert.equal(c.headers['x-goog-request-params'], 'parent=projects%2Fdemo-reelsmith%2Flocations%2Feurope-west1%2Fqueues%2Frender-queue');
    const t = c.body.task;
    assert.equal(t.name, 'projects/demo-reelsmith/locations/europe-west1/queues/render-queue/tasks/task-123');
    assert.equal(t.dispatchDeadline, '1800s');
    assert.equal(t.httpRequest.url, 'http://127.0.0.1:9/tasks/task-123/run');
    assert.ok(t.httpRequest.httpMethod === 1 || t.httpRequest.httpMethod === 'POST', `httpMethod ${t.httpRequest.httpMethod}`);
    assert.deepEqual(t.httpRequest.oidcToken, {
      serviceAccountEmail: 'tasks-invoker@demo-reelsmith.iam.gserviceaccount.com',
      audience: 'http://127.0.0.1:9',
    });
    assert.deepEqual(t.httpRequest.headers, { 'X-Reelsmith-Dispatch-Token': 'tok', 'Content-Type': 'application/json' });
    assert.deepEqual(JSON.parse(Buffer.from(t.httpRequest.body!, 'base64').toString('utf8')), { task_id: 'task-123' });
  });

  it('ALREADY_EXISTS (HTTP 409, gRPC code 6) is a success', async () => {
    const d = dispatcherFor(fake, { workerUrl: 'http://127.0.0.1:9' });
    await d.enqueue(job('dup-1'));
    const n = fake.creates.length;
    await d.enqueue(job('dup-1')); // the fake answers 409 ALREADY_EXISTS for a known name
    assert.equal(fake.creates.length, n + 1);
    fake.failCreates(1, 409, 'ALREADY_EXISTS');
    await d.enqueue(job('dup-2'));
    await d.close();
  });

  it('retries transient errors (503 UNAVAILABLE) and then succeeds', async () => {
    const d = dispatcherFor(fake, { workerUrl: 'http://127.0.0.1:9' });
    const n = fake.creates.length;
    fake.failCreates(2, 503, 'UNAVAILABLE');
    await d.enqueue(job('flaky-1'));
    assert.equal(fake.creates.length, n + 3);
    await d.close();
  });

  it('does not retry or swallow permanent errors', async () => {
    const d = dispatcherFor(fake, { workerUrl: 'http://127.0.0.1:9' });
    const n = fake.creates.length;
    fake.failCreates(1, 403, 'PERMISSION_DENIED');
    await assert.rejects(d.enqueue(job('denied-1')), (err: { code?: number }) => err.code === 7);
    assert.equal(fake.creates.length, n + 1);
    fake.failCreates(1, 404, 'NOT_FOUND');
    await assert.rejects(d.enqueue(job('no-queue-1')), (err: { code?: number }) => err.code === 5);
    await d.close();
  });

  it('a callback job goes to the callbacks queue with a one-minute deadline', async () => {
    const d = dispatcherFor(fake, { workerUrl: 'http://127.0.0.1:9' });
    await d.enqueue(callbackJob('task-9', 2));
    await d.close();
    const t = fake.creates.at(-1)!.body.task;
    assert.equal(t.name, 'projects/demo-reelsmith/locations/europe-west1/queues/callback-queue/tasks/task-9-c2');
    assert.equal(t.dispatchDeadline, '60s');
    assert.equal(t.httpRequest.url, 'http://127.0.0.1:9/tasks/task-9/callback');
  });

  it('refuses names Cloud Tasks would reject, before any request', async () => {
    const d = dispatcherFor(fake);
    const n = fake.creates.length;
    await assert.rejects(d.enqueue(job('bad/id')), /is not a valid Cloud Tasks task id/);
    await assert.rejects(d.enqueue(job('')), /is not a valid Cloud Tasks task id/);
    assert.equal(fake.creates.length, n);
    await d.close();
  });
});
