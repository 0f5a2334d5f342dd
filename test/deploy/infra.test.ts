// What the Terraform in infra/ and cloudbuild.yaml promise, read from the files themselves:
// nothing here can reach Google Cloud (no provider downloads, so no `terraform validate`), but
// the settings that keep the service safe and within its memory can still be held in place.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { tempDir } from '../support/temp-dir.ts';
import { assertSafeToServe, loadConfig } from '../../functions/config.ts';
import {
  allStrings,
  evaluate,
  INFRA,
  loadCloudbuild,
  loadTerraform,
  resource,
  resourcesOf,
  ROOT,
  substitute,
  type Terraform,
} from './manifests.ts';

let tf: Terraform;
before(async () => {
  tf = await loadTerraform();
});

const IAM_MEMBER_TYPES = [
  'google_project_iam_member',
  'google_project_iam_binding',
  'google_project_iam_policy',
  'google_service_account_iam_member',
  'google_service_account_iam_binding',
  'google_storage_bucket_iam_member',
  'google_storage_bucket_iam_binding',
  'google_storage_bucket_iam_policy',
  'google_cloud_tasks_queue_iam_member',
  'google_cloud_run_v2_service_iam_member',
  'google_cloud_run_v2_service_iam_binding',
  'google_cloud_run_service_iam_member',
  'google_secret_manager_secret_iam_member',
  'google_artifact_registry_repository_iam_member',
];

/** Every IAM grant as (grantee account, role, on what), with `${google_service_account.X.email}` → X. */
function grants(t: Terraform) {
  return resourcesOf(t, ...IAM_MEMBER_TYPES).map(({ address, body }) => {
    const members: string[] = body.member ? [body.member] : (body.members ?? []);
    const [type] = address.split('.');
    const on =
      type === 'google_project_iam_member' || type === 'google_project_iam_binding' || type === 'google_project_iam_policy'
        ? 'project'
        : String(body.service_account_id ?? body.bucket ?? body.name ?? body.secret_id ?? body.repository ?? '');
    return {
      address,
      type: type!,
      role: String(body.role ?? ''),
      members: members.map((m) => m.replace(/^serviceAccount:\$\{google_service_account\.(\w+)\.email\}$/, 'sa:$1')),
      on,
    };
  });
}

function rolesOf(t: Terraform, account: string) {
  return grants(t)
    .filter((g) => g.members.includes(`sa:${account}`))
    .map((g) => `${g.role} @ ${g.on}`)
    .sort();
}

function service(name: 'api' | 'worker') {
  const svc = resource(tf, 'google_cloud_run_v2_service', name);
  const template = svc.template[0];
  const container = template.containers[0];
  return { svc, template, container };
}

/** The literal env maps a service's `dynamic "env"` merges (merge(local.a, local.b)). */
/**
 * A service's plain environment as the variables' defaults give it; `optional` adds the names of
 * the maps set only when a variable is (`var.X == null ? {} : {...}`, the language model's).
 */
function plainEnv(name: 'api' | 'worker', optional = false): Record<string, unknown> {
  const dyn = service(name).container.dynamic.env as any[];
  const plain = dyn.find((d) => d.content[0].value !== undefined);
  const m = /^\$\{merge\((.*)\)\}$/.exec(plain.for_each);
  assert.ok(m, `env for_each is a merge of locals: ${plain.for_each}`);
  const env: Record<string, unknown> = {};
  for (const ref of m[1]!.split(',').map((s) => s.trim())) {
    const local = /^local\.(\w+)$/.exec(ref);
    assert.ok(local, `merge argument is a local: ${ref}`);
    const value = tf.locals[local[1]!];
    if (typeof value !== 'string') {
      Object.assign(env, value);
      continue;
    }
    const cond = /^\$\{var\.(\w+) == null \? \{\} : \{([^}]*)\}\}$/s.exec(value);
    assert.ok(cond, `local.${local[1]} is a map, or a map only when a variable is set: ${value}`);
    assert.equal((tf.variables as any)[cond[1]!].default, null, `${cond[1]} is unset by default`);
    if (optional) for (const [, k] of cond[2]!.matchAll(/(\w+)\s*=/g)) env[k!] = null;
  }
  return env;
}

/** Both services enqueue Cloud Tasks jobs (renders, callbacks) for the worker, as the invoker account. */
function assertDispatchEnv(env: Record<string, unknown>): void {
  assert.equal(env.DISPATCHER, 'cloudtasks');
  assert.equal(env.TASKS_QUEUE, '${google_cloud_tasks_queue.render.name}');
  assert.equal(env.TASKS_CALLBACK_QUEUE, '${google_cloud_tasks_queue.callbacks.name}');
  assert.equal(env.TASKS_LOCATION, '${google_cloud_tasks_queue.render.location}');
  assert.equal(env.TASKS_INVOKER_SA, '${google_service_account.tasks_invoker.email}');
  assert.equal(env.WORKER_URL, '${local.worker_url}');
}

/** name → {secret, version} of the secrets a service's `dynamic "env"` mounts. */
function secretEnv(name: 'api' | 'worker'): Record<string, { secret: string; version: string }> {
  const dyn = service(name).container.dynamic.env as any[];
  const secretBlock = dyn.find((d) => d.content[0].value_source);
  assert.ok(secretBlock, `${name} has secret environment variables`);
  const ref = secretBlock.content[0].value_source[0].secret_key_ref[0];
  assert.equal(ref.version, '${env.value.version}', 'the version comes from the pinned map');
  const local = /^\$\{local\.(\w+)\}$/.exec(secretBlock.for_each)?.[1];
  assert.ok(local, `secret env iterates a local: ${secretBlock.for_each}`);
  const names = /\[([^\]]*)\]/.exec(tf.locals[local])?.[1]?.match(/"([A-Z_]+)"/g)?.map((s) => s.slice(1, -1)) ?? [];
  const all = tf.locals.secrets as Record<string, { secret: string; version: string }>;
  return Object.fromEntries(names.map((n) => [n, all[n]!]));
}

const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN);

/**
 * The waits between a Cloud Tasks queue's deliveries, as its RetryConfig documents them: from
 * min_backoff, doubling max_doublings times, then up by that last step each time, at most
 * max_backoff (10 s, 300 s, 3 doublings: 10, 20, 40, 80, 160, 240, 300, 300, …). 60 of them.
 */
function retrySchedule(retry: { min_backoff: string; max_backoff: string; max_doublings: number }): number[] {
  const min = seconds(retry.min_backoff);
  const max = seconds(retry.max_backoff);
  const step = min * 2 ** retry.max_doublings;
  return Array.from({ length: 60 }, (_, k) => Math.min(max, k <= retry.max_doublings ? min * 2 ** k : step + (k - retry.max_doublings) * step));
}

describe('infra/: the worker service', () => {
  it('has 2 GiB, 2 render slots and one request slot more (callbacks, the sweep), a 1800 s timeout, gen2 and bounded instances', () => {
    const { template, container } = service('worker');
    assert.equal(container.resources[0].limits.memory, '2Gi');
    assert.equal(evaluate(tf, tf.locals.worker_render_slots), 2);
    assert.equal(evaluate(tf, template.max_instance_request_concurrency), 3);
    assert.equal(tf.locals.worker_concurrency, '${local.worker_render_slots + 1}');
    assert.equal(template.timeout, '1800s');
    assert.equal(template.execution_environment, 'EXECUTION_ENVIRONMENT_GEN2');
    const max = evaluate(tf, template.scaling[0].max_instance_count);
    assert.ok(Number.isInteger(max) && max >= 1 && max <= 10, `worker max instances is bounded: ${max}`);
    assert.ok(Number(evaluate(tf, container.resources[0].limits.cpu)) >= 1, 'a 2 GiB instance needs at least one vCPU');
  });

  it('renders in a size-limited in-memory scratch volume that the app is pointed at', () => {
    const { template, container } = service('worker');
    const vol = template.volumes.find((v: any) => v.name === 'scratch');
    assert.equal(vol.empty_dir[0].medium, 'MEMORY');
    const size = String(evaluate(tf, vol.empty_dir[0].size_limit));
    const mib = Number(/^(\d+)Mi$/.exec(size)?.[1] ?? Number(/^(\d+)Gi$/.exec(size)?.[1]) * 1024);
    assert.ok(mib > 0 && mib <= 1024, `scratch leaves most of the 2 GiB to node and ffmpeg: ${size}`);
    const mount = container.volume_mounts.find((m: any) => m.name === 'scratch');
    const env = plainEnv('worker');
    assert.equal(env.SCRATCH_DIR, mount.mount_path);
    assert.equal(env.TMPDIR, mount.mount_path);
  });

  it('runs the worker role with the Google Cloud adapters, as many renders as its render slots and an encoder per vCPU', () => {
    const env = plainEnv('worker');
    assert.equal(env.FUNCTION_TARGET, 'worker');
    assert.equal(env.TASK_STORE, 'firestore');
    assert.equal(env.BLOB_STORE, 'gcs');
    // The worker refuses (503) a render beyond MAX_CONCURRENT_TASKS: the spare request slot stays free for callbacks and the sweep.
    assert.equal(env.MAX_CONCURRENT_TASKS, '${tostring(local.worker_render_slots)}');
    assert.equal(evaluate(tf, env.MAX_CONCURRENT_TASKS), '2');
    // Set, not left to node, which on Cloud Run may count the host's cores rather than the instance's vCPUs.
    assert.equal(evaluate(tf, env.RENDER_CPUS), evaluate(tf, service('worker').container.resources[0].limits.cpu));
    assert.equal(evaluate(tf, env.RENDER_CPUS), '2');
    assert.equal(env.GCS_BUCKET, '${google_storage_bucket.media.name}');
    assert.equal(service('worker').template.service_account, '${google_service_account.worker.email}');
  });

  it('enqueues on both queues itself: callbacks of the tasks it ends, and the sweeper\'s re-asks', () => {
    assertDispatchEnv(plainEnv('worker'));
  });

  it('takes internal traffic only (Cloud Tasks and Cloud Scheduler of the same project count as internal)', () => {
    assert.equal(service('worker').svc.ingress, 'INGRESS_TRAFFIC_INTERNAL_ONLY');
    assert.equal(service('api').svc.ingress, 'INGRESS_TRAFFIC_ALL', 'the api is the public one');
  });

  it('is called at its deterministic run.app URL, which it also accepts as the OIDC audience', () => {
    // A resource cannot name its own URL, so the URL is computed: https://NAME-PROJECT_NUMBER.REGION.run.app.
    assert.equal(
      tf.locals.worker_url,
      'https://${var.worker_service_name}-${data.google_project.this.number}.${var.region}.run.app',
    );
    assert.deepEqual(service('worker').svc.custom_audiences, ['${local.worker_url}']);
    assert.equal(service('worker').svc.name, '${var.worker_service_name}');
    const pre = service('worker').svc.lifecycle[0].precondition[0];
    assert.match(pre.condition, /length\("\$\{var\.worker_service_name\}-\$\{data\.google_project\.this\.number\}"\) <= 63/);
  });

  it('is invokable by the Cloud Tasks invoker account only', () => {
    const invokers = grants(tf).filter((g) => g.role === 'roles/run.invoker');
    const onWorker = invokers.filter((g) => g.on.includes('google_cloud_run_v2_service.worker'));
    assert.deepEqual(onWorker.flatMap((g) => g.members), ['sa:tasks_invoker']);
    assert.deepEqual(rolesOf(tf, 'tasks_invoker'), ['roles/run.invoker @ ${google_cloud_run_v2_service.worker[0].name}']);
  });
});

describe('infra/: the api service', () => {
  it('is public, runs the api role and enqueues to the queue for the worker URL with the invoker account', () => {
    const publicGrants = grants(tf).filter((g) => g.members.some((m) => m === 'allUsers' || m === 'allAuthenticatedUsers'));
    assert.deepEqual(
      publicGrants.map((g) => [g.role, g.on]),
      [['roles/run.invoker', '${google_cloud_run_v2_service.api[0].name}']],
      'the api is the only public thing',
    );
    const env = plainEnv('api');
    assert.equal(env.FUNCTION_TARGET, 'api');
    assertDispatchEnv(env);
    assert.equal(service('api').template.service_account, '${google_service_account.api.email}');
  });

  it('is protected by API keys: API_KEYS is always mounted and ALLOW_UNAUTHENTICATED is never set', () => {
    assert.ok('API_KEYS' in secretEnv('api'));
    assert.equal(tf.variables.api_keys_version.default, undefined, 'api_keys_version is required');
    assert.ok(!/ALLOW_UNAUTHENTICATED/.test(tf.text));
  });

  it('lists voices from the provider the worker speaks with: every voice provider key the worker mounts, the api mounts too', () => {
    const worker = secretEnv('worker');
    const api = secretEnv('api');
    assert.deepEqual(api.ELEVENLABS_API_KEY, worker.ELEVENLABS_API_KEY);
    // The same pinned variable, so the two can never speak with different accounts.
    assert.equal(api.ELEVENLABS_API_KEY!.version, '${var.elevenlabs_api_key_version}');
  });

  it('exposes its URL as an output', () => {
    assert.match(tf.outputs.api_url.value, /google_cloud_run_v2_service\.api\[0\]\.uri/);
  });
});

describe('infra/: probes', () => {
  for (const name of ['api', 'worker'] as const) {
    it(`${name}: the startup probe's timeout is below its period, and the window stays about 30 s`, () => {
      const probe = service(name).container.startup_probe[0];
      assert.ok(probe.timeout_seconds < probe.period_seconds, `timeout ${probe.timeout_seconds} s, period ${probe.period_seconds} s`);
      assert.ok(probe.period_seconds * probe.failure_threshold >= 30, 'time enough to check ffmpeg and espeak-ng');
    });
  }
});

describe('infra/: the environment the services get is one the app accepts', () => {
  /** A service's env with references replaced by plausible values and its secrets filled in. */
  function resolvedEnv(name: 'api' | 'worker'): Record<string, string> {
    const placeholders: Record<string, string> = {
      'var.project_id': 'my-project',
      'google_storage_bucket.media.name': 'my-project-reelsmith-media',
      'google_cloud_tasks_queue.render.name': 'reelsmith-render',
      'google_cloud_tasks_queue.render.location': 'europe-west1',
      'google_cloud_tasks_queue.callbacks.name': 'reelsmith-render-callbacks',
      'local.worker_url': 'https://reelsmith-worker-123456789012.europe-west1.run.app',
      'google_service_account.tasks_invoker.email': 'reelsmith-tasks-invoker@my-project.iam.gserviceaccount.com',
    };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(plainEnv(name))) {
      const ref = /^\$\{(.*)\}$/.exec(String(v))?.[1];
      if (ref && ref in placeholders) env[k] = placeholders[ref]!;
      else env[k] = String(evaluate(tf, v));
    }
    const secretValues: Record<string, string> = {
      API_KEYS: 'key-one,key-two',
      CALLBACK_SECRET: 'a-callback-secret-of-32-characters',
      ELEVENLABS_API_KEY: 'el-key',
      PEXELS_API_KEY: 'px-key',
    };
    for (const secret of Object.keys(secretEnv(name))) env[secret] = secretValues[secret]!;
    return env;
  }

  it('sets only variables the app reads', () => {
    const configSource = readFileSync(join(ROOT, 'functions/config.ts'), 'utf8');
    // FUNCTION_TARGET is read by server.ts; TMPDIR by node and ffmpeg themselves.
    const outside = new Set(['FUNCTION_TARGET', 'TMPDIR']);
    for (const name of ['api', 'worker'] as const) {
      const names = [...Object.keys(plainEnv(name, true)), ...Object.keys(secretEnv(name))];
      for (const k of names) {
        assert.ok(outside.has(k) || new RegExp(`^\\s+${k}: `, 'm').test(configSource), `${name}: ${k} is a config.ts setting`);
      }
    }
  });

  for (const name of ['api', 'worker'] as const) {
    it(`${name}: loadConfig accepts it, and the api would serve on Cloud Run`, () => {
      const env = resolvedEnv(name);
      const cfg = loadConfig({ ...env, K_SERVICE: `reelsmith-${name}` });
      assert.equal(cfg.TASK_STORE, 'firestore');
      assert.equal(cfg.BLOB_STORE, 'gcs');
      assert.equal(cfg.RETENTION_DAYS, 7);
      assert.equal(cfg.DISPATCHER, 'cloudtasks');
      assert.equal(cfg.TASKS_CALLBACK_QUEUE, 'reelsmith-render-callbacks');
      if (name === 'api') {
        assert.deepEqual(cfg.API_KEYS, ['key-one', 'key-two']);
        assert.doesNotThrow(() => assertSafeToServe(cfg));
      } else {
        assert.equal(cfg.MAX_CONCURRENT_TASKS, 2);
        assert.equal(cfg.RENDER_CPUS, 2);
        assert.equal(cfg.SCRATCH_DIR, '/scratch');
        assert.ok(cfg.TASK_DEADLINE_SECONDS < 1800, 'the worker gives up before Cloud Tasks and Cloud Run do');
      }
    });
  }
});

describe('infra/: the queue', () => {
  it('dispatches at most worker max instances × render slots tasks at once', () => {
    const queue = resource(tf, 'google_cloud_tasks_queue', 'render');
    const cap = evaluate(tf, queue.rate_limits[0].max_concurrent_dispatches);
    const { template } = service('worker');
    const expected = evaluate(tf, template.scaling[0].max_instance_count) * evaluate(tf, tf.locals.worker_render_slots);
    assert.equal(cap, expected);
    assert.equal(cap, 6, 'with the defaults: 3 instances × 2');
    // Computed, not a copy: the cap follows the variable it is derived from.
    assert.match(tf.locals.queue_max_concurrent_dispatches, /var\.worker_max_instances/);
  });

  it('retries with backoff, with room for more deliveries than the app counts as attempts', () => {
    const retry = resource(tf, 'google_cloud_tasks_queue', 'render').retry_config[0];
    assert.ok(evaluate(tf, retry.max_attempts) > evaluate(tf, tf.variables.max_attempts.default));
    assert.match(retry.min_backoff, /^\d+s$/);
    assert.match(retry.max_backoff, /^\d+s$/);
  });

  it('ends a job after its max_attempts deliveries: Cloud Tasks stops only when both limits are reached, and the duration is reached first', () => {
    const retry = resource(tf, 'google_cloud_tasks_queue', 'render').retry_config[0];
    const attempts = evaluate(tf, retry.max_attempts);
    const lastAt = retrySchedule(retry).slice(0, attempts - 1).reduce((a, b) => a + b, 0);
    assert.ok(seconds(retry.max_retry_duration) <= lastAt, `max_retry_duration ${retry.max_retry_duration}; delivery ${attempts} comes after ${lastAt} s`);
    assert.ok(lastAt < 3 * 3600, `a lost render is given up (and left to the sweeper) within hours: ${lastAt} s`);
    assert.match(tf.text, /BOTH limits are reached/, 'tasks.tf says so');
  });
});

describe('infra/: the callbacks queue', () => {

  it('is a queue of its own, named after the render queue as the app defaults it', () => {
    const queue = resource(tf, 'google_cloud_tasks_queue', 'callbacks');
    assert.equal(queue.name, '${var.tasks_queue}-callbacks');
    assert.equal(queue.location, '${var.region}');
  });

  it('retries a callback for 24 h: its attempt limit is reached before that, so the duration ends the job, as the worker gives an event up at 24 h', () => {
    const retry = resource(tf, 'google_cloud_tasks_queue', 'callbacks').retry_config[0];
    assert.equal(retry.max_retry_duration, '86400s');
    // Both must be reached: -1 (unlimited) attempts would keep a job for the 31-day retention.
    assert.ok(retry.max_attempts > 1, `max_attempts ${retry.max_attempts}`);
    const lastAt = retrySchedule(retry).slice(0, retry.max_attempts - 1).reduce((a: number, b: number) => a + b, 0);
    assert.ok(lastAt < seconds(retry.max_retry_duration), `delivery ${retry.max_attempts} comes after ${lastAt} s, within the 24 h`);
    const min = seconds(retry.min_backoff);
    const max = seconds(retry.max_backoff);
    assert.ok(min >= 1 && min <= 60, `a receiver that was down a moment gets its event soon: ${retry.min_backoff}`);
    // The sweeper re-asks a pending callback idle for two hours (compose.ts callbackStaleMs): the
    // queue's longest wait must stay below that, or the sweeper would duplicate live jobs.
    assert.ok(max > min && max <= 3600, `at most hourly: ${retry.max_backoff}`);
    assert.ok(min * 2 ** retry.max_doublings >= max, 'the doublings reach the longest backoff');
  });

  it('takes the spare request slots only: renders and callbacks together never exceed the workers\' slots', () => {
    const limits = resource(tf, 'google_cloud_tasks_queue', 'callbacks').rate_limits[0];
    const renders = evaluate(tf, resource(tf, 'google_cloud_tasks_queue', 'render').rate_limits[0].max_concurrent_dispatches);
    const callbacks = evaluate(tf, limits.max_concurrent_dispatches);
    const { template } = service('worker');
    const slots = evaluate(tf, template.scaling[0].max_instance_count) * evaluate(tf, template.max_instance_request_concurrency);
    assert.ok(callbacks >= 1 && callbacks < renders, `${callbacks} callbacks at once, ${renders} renders`);
    assert.ok(renders + callbacks <= slots, `${renders} renders + ${callbacks} callbacks within ${slots} request slots`);
    assert.equal(renders + callbacks, slots, 'no slot left idle either: the sweep shares the spare ones and retries');
    assert.match(tf.locals.callbacks_max_concurrent_dispatches, /var\.worker_max_instances/);
    assert.ok(limits.max_dispatches_per_second > 0);
  });
});

describe('infra/: the sweeper', () => {
  const job = () => resource(tf, 'google_cloud_scheduler_job', 'sweep');

  it('is a Cloud Scheduler job that POSTs the worker\'s /tasks/sweep every few minutes, once the services exist', () => {
    assert.equal(job().count, '${local.deploy_services ? 1 : 0}');
    assert.equal(job().region, '${var.region}');
    const target = job().http_target[0];
    assert.equal(target.http_method, 'POST');
    assert.equal(target.uri, '${local.worker_url}/tasks/sweep');
    assert.equal(evaluate(tf, job().schedule), '*/5 * * * *');
  });

  it('retries a failed run (a 429 while every slot is busy, an instance stopping) well within the schedule’s 5 minutes', () => {
    const retry = job().retry_config[0];
    assert.ok(retry.retry_count >= 1 && retry.retry_count <= 5, `retry_count ${retry.retry_count}`);
    const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN);
    const waits = Array.from({ length: retry.retry_count }, (_, k) =>
      Math.min(seconds(retry.max_backoff_duration), seconds(retry.min_backoff_duration) * 2 ** Math.min(k, retry.max_doublings)),
    );
    const attempts = (retry.retry_count + 1) * seconds(job().attempt_deadline);
    assert.ok(waits.reduce((a, b) => a + b, 0) < 300, `backoffs ${waits.join(', ')} s`);
    assert.ok(attempts > 0);
  });

  it('authenticates with an OIDC token of the invoker account, for the URL the worker accepts', () => {
    const oidc = job().http_target[0].oidc_token[0];
    assert.equal(oidc.service_account_email, '${google_service_account.tasks_invoker.email}');
    assert.equal(oidc.audience, '${local.worker_url}');
    // The invoker account is the one that may call the worker (roles/run.invoker), and nothing else.
    assert.deepEqual(rolesOf(tf, 'tasks_invoker'), ['roles/run.invoker @ ${google_cloud_run_v2_service.worker[0].name}']);
  });

  it('needs the Cloud Scheduler API, which Terraform enables', () => {
    assert.ok((tf.locals.required_apis as string[]).includes('cloudscheduler.googleapis.com'));
    assert.match(JSON.stringify(job().depends_on), /google_project_service\.required/);
  });
});

describe('infra/: IAM is least privilege', () => {
  it('grants the api exactly: Firestore user, enqueuer on both queues, act-as on the invoker, signBlob on itself, object viewer, object creator under uploads/, its secrets', () => {
    assert.deepEqual(rolesOf(tf, 'api'), [
      'roles/cloudtasks.enqueuer @ ${google_cloud_tasks_queue.callbacks.name}',
      'roles/cloudtasks.enqueuer @ ${google_cloud_tasks_queue.render.name}',
      'roles/datastore.user @ project',
      'roles/iam.serviceAccountTokenCreator @ ${google_service_account.api.name}',
      'roles/iam.serviceAccountUser @ ${google_service_account.tasks_invoker.name}',
      'roles/secretmanager.secretAccessor @ ${each.value.secret}',
      'roles/storage.objectCreator @ ${google_storage_bucket.media.name}',
      'roles/storage.objectViewer @ ${google_storage_bucket.media.name}',
    ]);
    // Creating is for recordings only: POST /v1/uploads writes under uploads/, nothing else.
    const creates = resource(tf, 'google_storage_bucket_iam_member', 'api_creates_uploads');
    assert.equal(creates.condition[0].expression, 'resource.name.startsWith("projects/_/buckets/${google_storage_bucket.media.name}/objects/uploads/")');
  });

  it('grants the worker exactly: Firestore user, enqueuer on both queues, act-as on the invoker, object user on the bucket only, signBlob on itself, its secrets', () => {
    assert.deepEqual(rolesOf(tf, 'worker'), [
      'roles/cloudtasks.enqueuer @ ${google_cloud_tasks_queue.callbacks.name}',
      'roles/cloudtasks.enqueuer @ ${google_cloud_tasks_queue.render.name}',
      'roles/datastore.user @ project',
      'roles/iam.serviceAccountTokenCreator @ ${google_service_account.worker.name}',
      'roles/iam.serviceAccountUser @ ${google_service_account.tasks_invoker.name}',
      'roles/secretmanager.secretAccessor @ ${each.value.secret}',
      'roles/storage.objectUser @ ${google_storage_bucket.media.name}',
    ]);
  });

  it("grants Firestore on the service's database only: datastore.user with a condition naming it", () => {
    assert.equal(tf.locals.firestore_database_condition, 'resource.name == "projects/${var.project_id}/databases/${google_firestore_database.main.name}"');
    assert.equal(resource(tf, 'google_firestore_database', 'main').name, '(default)');
    const datastore = grants(tf).filter((g) => g.role === 'roles/datastore.user');
    assert.deepEqual(datastore.map((g) => g.members).flat().sort(), ['sa:api', 'sa:worker']);
    for (const g of datastore) {
      const body = resource(tf, 'google_project_iam_member', g.address.split('.')[1]!);
      assert.equal(body.condition[0].expression, '${local.firestore_database_condition}', g.address);
      assert.ok(body.condition[0].title, 'a condition has a title');
    }
  });

  it('gives each runtime account only the secrets its service mounts', () => {
    for (const [svc, grant] of [['api', 'api_secrets'], ['worker', 'worker_secrets']] as const) {
      const body = resource(tf, 'google_secret_manager_secret_iam_member', grant);
      assert.equal(body.for_each, `\${local.${grant}}`);
      assert.equal(body.member, `serviceAccount:\${google_service_account.${svc}.email}`);
      assert.equal(
        service(svc).container.dynamic.env.find((d: any) => d.content[0].value_source).for_each,
        `\${local.${grant}}`,
        `${svc} mounts the same secrets it may read`,
      );
    }
    // The api signs nothing for clients but download URLs (IAM signBlob): callbacks are the worker's.
    // It lists voices from the provider the worker speaks with, so it has the ElevenLabs key too.
    // Both write scripts from a topic (POST /v1/scripts; a task's first stage).
    assert.deepEqual(Object.keys(secretEnv('api')).sort(), ['API_KEYS', 'ELEVENLABS_API_KEY', 'LLM_API_KEY']);
    assert.deepEqual(Object.keys(secretEnv('worker')).sort(), ['CALLBACK_SECRET', 'ELEVENLABS_API_KEY', 'LLM_API_KEY', 'PEXELS_API_KEY']);
  });

  it('lets the deployer roll out revisions and push images, but not change IAM', () => {
    assert.deepEqual(rolesOf(tf, 'deployer'), [
      'roles/artifactregistry.writer @ ${google_artifact_registry_repository.images.name}',
      'roles/iam.serviceAccountUser @ ${each.value}',
      'roles/logging.logWriter @ project',
      'roles/run.developer @ ${each.value}',
      'roles/storage.objectViewer @ ${google_storage_bucket.build.name}',
    ]);
    // run.developer on the two services, not the project.
    const onServices = resource(tf, 'google_cloud_run_v2_service_iam_member', 'deployer_updates_services');
    assert.equal(onServices.role, 'roles/run.developer');
    assert.match(onServices.for_each, /api\s*=\s*google_cloud_run_v2_service\.api\[0\]\.name/);
    assert.match(onServices.for_each, /worker\s*=\s*google_cloud_run_v2_service\.worker\[0\]\.name/);
    // act-as on exactly the two runtime accounts (deploying a revision runs it as them).
    const actAs = resource(tf, 'google_service_account_iam_member', 'deployer_acts_as_runtime');
    assert.deepEqual(actAs.for_each, { api: '${google_service_account.api.name}', worker: '${google_service_account.worker.name}' });
  });

  it('grants no broad role anywhere, and no storage role on the project', () => {
    const broad = /^roles\/(owner|editor|viewer|iam\.securityAdmin|resourcemanager\.projectIamAdmin|run\.admin|storage\.admin|secretmanager\.admin|datastore\.owner|cloudtasks\.admin|iam\.serviceAccountAdmin)$/;
    for (const g of grants(tf)) {
      assert.doesNotMatch(g.role, broad, `${g.address} grants ${g.role}`);
      if (g.on === 'project') assert.doesNotMatch(g.role, /^roles\/(storage|iam\.serviceAccount|run|secretmanager)\./, `${g.address}: ${g.role} on the whole project`);
    }
    assert.equal(resourcesOf(tf, 'google_project_iam_binding', 'google_project_iam_policy').length, 0, 'no authoritative project policy');
  });
});

describe('infra/: storage, Firestore and secrets', () => {
  it('keeps the media bucket private, uniformly controlled, and deletes files after the retention period', () => {
    for (const name of ['media', 'build']) {
      const bucket = resource(tf, 'google_storage_bucket', name);
      assert.equal(bucket.uniform_bucket_level_access, true, name);
      assert.equal(bucket.public_access_prevention, 'enforced', name);
    }
    const media = resource(tf, 'google_storage_bucket', 'media');
    const rule = media.lifecycle_rule[0];
    assert.equal(rule.action[0].type, 'Delete');
    assert.equal(rule.condition[0].age, '${var.retention_days}');
    assert.equal(evaluate(tf, rule.condition[0].age), 7);
    const everyone = allStrings(tf.resources).filter((s) => /allUsers|allAuthenticatedUsers/.test(s));
    assert.deepEqual(everyone, ['allUsers'], 'one public grant (the api), none on a bucket');
    assert.equal(resourcesOf(tf, 'google_storage_bucket_acl', 'google_storage_object_acl', 'google_storage_default_object_acl').length, 0);
  });

  it('creates the Firestore database and applies infra/firestore.indexes.json: composite indexes and the TTL on expire_at', () => {
    const db = resource(tf, 'google_firestore_database', 'main');
    assert.equal(db.type, 'FIRESTORE_NATIVE');
    assert.match(tf.locals.firestore_spec, /jsondecode\(file\("\$\{path\.module\}\/firestore\.indexes\.json"\)\)/);
    const spec = JSON.parse(readFileSync(join(INFRA, 'firestore.indexes.json'), 'utf8'));
    const collection = evaluate(tf, tf.variables.firestore_collection.default);
    // The file must index and expire the collection the services are configured with.
    assert.ok(spec.indexes.some((i: any) => i.collectionGroup === collection), 'a composite index on the task collection');
    for (const c of [collection, `${collection}_idempotency`]) {
      assert.ok(
        spec.fieldOverrides.some((o: any) => o.collectionGroup === c && o.fieldPath === 'expire_at' && o.ttl === true),
        `TTL on ${c}.expire_at`,
      );
    }
    const index = resource(tf, 'google_firestore_index', 'composite');
    assert.equal(index.for_each, '${local.firestore_indexes}');
    assert.equal(index.collection, '${each.value.collectionGroup}');
    const field = resource(tf, 'google_firestore_field', 'overrides');
    assert.equal(field.for_each, '${local.firestore_field_overrides}');
    assert.equal(field.field, '${each.value.fieldPath}');
    assert.match(field.dynamic.ttl_config[0].for_each, /each\.value\.ttl/);
    assert.equal(plainEnv('worker').FIRESTORE_COLLECTION, '${var.firestore_collection}');
  });

  it('pins every secret to a numbered version, never "latest"', () => {
    const declared = [tf.resources, tf.locals, Object.values(tf.variables).map((v) => v.default)];
    assert.deepEqual(allStrings(declared).filter((s) => /latest/i.test(s)), []);
    const pinned = tf.locals.secrets as Record<string, { version: string }>;
    assert.deepEqual(Object.keys(pinned).sort(), ['API_KEYS', 'CALLBACK_SECRET', 'ELEVENLABS_API_KEY', 'LLM_API_KEY', 'PEXELS_API_KEY']);
    for (const [name, { version }] of Object.entries(pinned)) {
      const variable = /^\$\{var\.(\w+)\}$/.exec(version)?.[1];
      assert.ok(variable, `${name} version comes from a variable`);
      const def = tf.variables[variable];
      assert.match(def.validation[0].condition, /\^\[1-9\]\[0-9\]\*\$/, `${variable} only accepts version numbers`);
      assert.ok(def.default === undefined || def.default === null, `${variable} has no default version to drift from`);
    }
  });

  it('enables the APIs the services use, including IAM Credentials for signBlob', () => {
    const apis = tf.locals.required_apis as string[];
    for (const api of ['run', 'cloudtasks', 'firestore', 'secretmanager', 'iamcredentials', 'artifactregistry', 'cloudbuild', 'storage']) {
      assert.ok(apis.includes(`${api}.googleapis.com`), api);
    }
  });

  it('is formatted (terraform fmt -check, which needs no providers)', (t) => {
    const r = spawnSync('terraform', ['fmt', '-check', '-diff', INFRA], { encoding: 'utf8' });
    if (r.error) return t.skip('terraform is not installed');
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('pins the provider to versions with GA empty_dir volumes (6.11+) and below the next major', () => {
    assert.match(tf.text, /source\s*=\s*"hashicorp\/google"\s*\n\s*version\s*=\s*">= 6\.11, < 8\.0"/);
  });

  it('keeps .terraform.lock.hcl in git (never ignored), and when it is there it locks a version the pin allows', () => {
    const ignored = spawnSync('git', ['check-ignore', '-q', join(INFRA, '.terraform.lock.hcl')], { cwd: ROOT });
    assert.equal(ignored.status, 1, 'infra/.terraform.lock.hcl is not git-ignored');
    const lock = join(INFRA, '.terraform.lock.hcl');
    if (!existsSync(lock)) return;
    const m = /provider "registry\.terraform\.io\/hashicorp\/google" \{\s*version\s*=\s*"(\d+)\.(\d+)\.(\d+)"/.exec(readFileSync(lock, 'utf8'));
    assert.ok(m, 'the lock file locks hashicorp/google');
    const [major, minor] = [Number(m[1]), Number(m[2])];
    assert.ok((major === 6 && minor >= 11) || major === 7, `locked ${m.slice(1).join('.')}`);
  });

  it('ships a tfvars example that sets every required variable', () => {
    const example = readFileSync(join(INFRA, 'terraform.tfvars.example'), 'utf8');
    const set = new Set([...example.matchAll(/^([a-z_]+)\s*=/gm)].map((m) => m[1]));
    const required = Object.entries(tf.variables).filter(([, v]) => !('default' in v)).map(([k]) => k);
    assert.ok(required.length >= 3);
    for (const name of required) assert.ok(set.has(name), `terraform.tfvars.example sets ${name}`);
  });
});

describe('infra/: a CALLBACK_SECRET the worker would refuse fails terraform apply', () => {
  /** The check's command run as Terraform's local-exec would, with a gcloud that answers `value` (or fails). */
  function runCheck(value: string | null): { status: number | null; stderr: string; gcloudArgs: string } {
    const check = resource(tf, 'terraform_data', 'callback_secret_check');
    const exec = (Array.isArray(check.provisioner) ? check.provisioner[0] : check.provisioner)['local-exec'][0];
    assert.deepEqual(exec.interpreter, ['/bin/sh', '-c']);
    assert.deepEqual(exec.environment, { PROJECT: '${var.project_id}', SECRET: '${var.secret_names.callback_secret}', VERSION: '${var.callback_secret_version}' });
    const dir = tempDir('reelsmith-secret-check-');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(dir, 'value'), value ?? '');
    writeFileSync(
      join(bin, 'gcloud'),
      value === null
        ? `#!/bin/sh\necho "$*" > '${dir}/args'\necho 'ERROR: NOT_FOUND: Secret Version not found' >&2\nexit 1\n`
        : `#!/bin/sh\necho "$*" > '${dir}/args'\ncat '${dir}/value'\n`,
    );
    chmodSync(join(bin, 'gcloud'), 0o755);
    const r = spawnSync(exec.interpreter[0], [...exec.interpreter.slice(1), exec.command], {
      env: { PATH: `${bin}:/usr/bin:/bin`, PROJECT: 'my-project', SECRET: 'reelsmith-callback-secret', VERSION: '3' },
      encoding: 'utf8',
    });
    const args = existsSync(join(dir, 'args')) ? readFileSync(join(dir, 'args'), 'utf8').trim() : '';
    return { status: r.status, stderr: r.stderr, gcloudArgs: args };
  }

  it('reads the pinned version with gcloud and passes a 64-character secret', () => {
    const r = runCheck('a'.repeat(64));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.gcloudArgs, 'secrets versions access 3 --secret=reelsmith-callback-secret --project=my-project');
  });

  it('refuses 16 to 31 characters with a message that says how long it is and what to do, never the value', () => {
    for (const n of [16, 31]) {
      const value = 'x'.repeat(n - 1) + 'Q';
      const r = runCheck(value);
      assert.equal(r.status, 1, `${n} characters`);
      assert.match(r.stderr, new RegExp(`version 3 \\(CALLBACK_SECRET\\) has ${n} characters; the worker needs at least 32`));
      assert.match(r.stderr, /callback_secret_version/);
      assert.ok(!r.stderr.includes(value), 'the value is never printed');
    }
  });

  it('refuses a trailing newline (a secret made with echo), and a version gcloud cannot read', () => {
    const newline = runCheck(`${'b'.repeat(40)}\n`);
    assert.equal(newline.status, 1);
    assert.match(newline.stderr, /starts or ends with whitespace/);
    assert.notEqual(runCheck(null).status, 0);
  });

  it('runs before the worker is created or updated, and again when the version changes; the variable says 32', () => {
    assert.match(JSON.stringify(service('worker').svc.depends_on), /terraform_data\.callback_secret_check/);
    assert.match(JSON.stringify(resource(tf, 'terraform_data', 'callback_secret_check').triggers_replace), /var\.callback_secret_version/);
    assert.match(tf.variables.callback_secret_version.description, /at least 32 characters/);
    assert.doesNotMatch(tf.text, /16 characters/);
  });
});

describe('cloudbuild.yaml', () => {
  const build = loadCloudbuild();
  const subs: Record<string, string> = { ...build.substitutions, PROJECT_ID: 'my-project', BUILD_ID: 'b-123' };
  const step = (id: string) => {
    const s = build.steps.find((x: any) => x.id === id);
    assert.ok(s, `a step ${id}`);
    return s;
  };
  const script = (id: string) => substitute(step(id).args.join(' '), subs);

  it('installs, tests, builds, pushes, then deploys the worker before the api', () => {
    assert.deepEqual(
      build.steps.map((s: any) => s.id),
      ['install', 'test', 'build', 'push', 'deploy-worker', 'deploy-api'],
    );
    assert.deepEqual(step('push').waitFor, ['test', 'build'], 'nothing untested is pushed');
    assert.deepEqual(step('deploy-worker').waitFor, ['push']);
    assert.deepEqual(step('deploy-api').waitFor, ['deploy-worker']);
    assert.equal(step('test').args.join(' '), 'test');
    assert.equal(build.options.logging, 'CLOUD_LOGGING_ONLY');
  });

  it('pushes one uniquely tagged image to the Artifact Registry repository that infra/ creates', () => {
    const image = substitute(subs._IMAGE!, subs);
    assert.equal(image, 'europe-west1-docker.pkg.dev/my-project/reelsmith/reelsmith:b-123');
    assert.equal(subs._REPOSITORY, evaluate(tf, tf.variables.artifact_repository.default));
    assert.equal(subs._REGION, evaluate(tf, tf.variables.region.default));
    assert.equal(subs._WORKER_SERVICE, evaluate(tf, tf.variables.worker_service_name.default));
    assert.equal(subs._API_SERVICE, evaluate(tf, tf.variables.api_service_name.default));
    assert.match(script('build'), new RegExp(`--tag ${image.replace(/[.]/g, '\\.')} `));
    assert.match(script('build'), / \.$/);
    assert.match(script('push'), new RegExp(`docker push ${image.replace(/[.]/g, '\\.')} &&`));
    assert.deepEqual(build.images, ['${_IMAGE}']);
  });

  it('rolls the worker out with the shape infra/run.tf declares: gen2, 2 GiB, concurrency 3, 1800 s', () => {
    const s = script('deploy-worker');
    const { template, container } = service('worker');
    assert.match(s, /gcloud run services update reelsmith-worker /);
    assert.match(s, /--image=europe-west1-docker\.pkg\.dev\/my-project\/reelsmith\/reelsmith:b-123/);
    assert.match(s, /--execution-environment=gen2/);
    assert.match(s, new RegExp(`--memory=${container.resources[0].limits.memory}\\b`));
    assert.match(s, new RegExp(`--cpu=${evaluate(tf, container.resources[0].limits.cpu)}\\b`));
    assert.match(s, new RegExp(`--concurrency=${evaluate(tf, template.max_instance_request_concurrency)}\\b`));
    assert.match(s, new RegExp(`--timeout=${template.timeout.replace(/s$/, '')}\\b`));
  });

  it('rolls the api out with the shape infra/run.tf declares', () => {
    const s = script('deploy-api');
    const { template, container } = service('api');
    assert.match(s, /gcloud run services update reelsmith-api /);
    assert.match(s, new RegExp(`--memory=${container.resources[0].limits.memory}\\b`));
    assert.match(s, new RegExp(`--concurrency=${template.max_instance_request_concurrency}\\b`));
    assert.match(s, new RegExp(`--timeout=${template.timeout.replace(/s$/, '')}\\b`));
  });

  it('builds on the last build’s layers: --cache-from a tag this build tags and pushes too, with BuildKit inline cache', () => {
    const cache = substitute(subs._CACHE_IMAGE!, subs);
    assert.equal(cache, 'europe-west1-docker.pkg.dev/my-project/reelsmith/reelsmith:buildcache');
    const build = script('build');
    assert.match(build, new RegExp(`--cache-from ${cache.replace(/[.]/g, '\\.')} `));
    assert.match(build, /--build-arg BUILDKIT_INLINE_CACHE=1/);
    assert.match(build, new RegExp(`--tag ${cache.replace(/[.]/g, '\\.')} `));
    assert.deepEqual(step('build').env, ['DOCKER_BUILDKIT=1']);
    assert.match(script('push'), new RegExp(`docker push ${cache.replace(/[.]/g, '\\.')}$`));
  });

  it('never creates services, changes IAM, env, secrets or scaling that Terraform owns, or uses "latest"', () => {
    const text = readFileSync(join(ROOT, 'cloudbuild.yaml'), 'utf8');
    const commands = build.steps.map((s: any) => (s.args ?? []).join(' ')).join('\n');
    assert.doesNotMatch(commands, /gcloud run deploy|allow-unauthenticated|--(set|update|clear|remove)-(env-vars|secrets)|--max-instances|--service-account|--ingress/);
    assert.doesNotMatch(text, /:latest|latest\b/);
  });
});
