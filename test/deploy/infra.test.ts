// What the Terraform in infra/ and cloudbuild.yaml promise, read from the files themselves:
// nothing here can reach Google Cloud (no provider downloads, so no `terraform validate`), but
// the settings that keep the service safe and within its memory can still be held in place.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
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
function plainEnv(name: 'api' | 'worker'): Record<string, unknown> {
  const dyn = service(name).container.dynamic.env as any[];
  const plain = dyn.find((d) => d.content[0].value !== undefined);
  const m = /^\$\{merge\((.*)\)\}$/.exec(plain.for_each);
  assert.ok(m, `env for_each is a merge of locals: ${plain.for_each}`);
  const env: Record<string, unknown> = {};
  for (const ref of m[1]!.split(',').map((s) => s.trim())) {
    const local = /^local\.(\w+)$/.exec(ref);
    assert.ok(local, `merge argument is a local: ${ref}`);
    Object.assign(env, tf.locals[local[1]!]);
  }
  return env;
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

describe('infra/: the worker service', () => {
  it('has 2 GiB, container concurrency 2, a 1800 s timeout, gen2 and bounded instances', () => {
    const { template, container } = service('worker');
    assert.equal(container.resources[0].limits.memory, '2Gi');
    assert.equal(evaluate(tf, template.max_instance_request_concurrency), 2);
    assert.equal(template.timeout, '1800s');
    assert.equal(template.execution_environment, 'EXECUTION_ENVIRONMENT_GEN2');
    const max = evaluate(tf, template.scaling[0].max_instance_count);
    assert.ok(Number.isInteger(max) && max >= 1 && max <= 10, `worker max instances is bounded: ${max}`);
    assert.ok(Number(container.resources[0].limits.cpu) >= 1, 'a 2 GiB instance needs at least one vCPU');
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

  it('runs the worker role with the Google Cloud adapters and as many slots as its concurrency', () => {
    const env = plainEnv('worker');
    assert.equal(env.FUNCTION_TARGET, 'worker');
    assert.equal(env.TASK_STORE, 'firestore');
    assert.equal(env.BLOB_STORE, 'gcs');
    assert.equal(evaluate(tf, env.MAX_CONCURRENT_TASKS), '2');
    assert.equal(env.GCS_BUCKET, '${google_storage_bucket.media.name}');
    assert.equal(service('worker').template.service_account, '${google_service_account.worker.email}');
  });

  it('takes internal traffic only (Cloud Tasks of the same project counts as internal)', () => {
    assert.equal(service('worker').svc.ingress, 'INGRESS_TRAFFIC_INTERNAL_ONLY');
    assert.equal(service('api').svc.ingress, 'INGRESS_TRAFFIC_ALL', 'the api is the public one');
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
    assert.equal(env.DISPATCHER, 'cloudtasks');
    assert.equal(env.TASKS_QUEUE, '${google_cloud_tasks_queue.render.name}');
    assert.equal(env.TASKS_INVOKER_SA, '${google_service_account.tasks_invoker.email}');
    assert.match(String(env.WORKER_URL), /google_cloud_run_v2_service\.worker\[0\]\.uri/);
    assert.equal(service('api').template.service_account, '${google_service_account.api.email}');
  });

  it('is protected by API keys: API_KEYS is always mounted and ALLOW_UNAUTHENTICATED is never set', () => {
    assert.ok('API_KEYS' in secretEnv('api'));
    assert.equal(tf.variables.api_keys_version.default, undefined, 'api_keys_version is required');
    assert.ok(!/ALLOW_UNAUTHENTICATED/.test(tf.text));
  });

  it('exposes its URL as an output', () => {
    assert.match(tf.outputs.api_url.value, /google_cloud_run_v2_service\.api\[0\]\.uri/);
  });
});

describe('infra/: the environment the services get is one the app accepts', () => {
  /** A service's env with references replaced by plausible values and its secrets filled in. */
  function resolvedEnv(name: 'api' | 'worker'): Record<string, string> {
    const placeholders: Record<string, string> = {
      'var.project_id': 'my-project',
      'google_storage_bucket.media.name': 'my-project-reelsmith-media',
      'google_cloud_tasks_queue.render.name': 'reelsmith-render',
      'google_cloud_tasks_queue.render.location': 'europe-west1',
      'google_service_account.tasks_invoker.email': 'reelsmith-tasks-invoker@my-project.iam.gserviceaccount.com',
    };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(plainEnv(name))) {
      const ref = /^\$\{(.*)\}$/.exec(String(v))?.[1];
      if (ref && ref in placeholders) env[k] = placeholders[ref]!;
      else if (ref?.includes('google_cloud_run_v2_service.worker[0].uri')) env[k] = 'https://reelsmith-worker-123.europe-west1.run.app';
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
      const names = [...Object.keys(plainEnv(name)), ...Object.keys(secretEnv(name))];
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
      if (name === 'api') {
        assert.equal(cfg.DISPATCHER, 'cloudtasks');
        assert.deepEqual(cfg.API_KEYS, ['key-one', 'key-two']);
        assert.doesNotThrow(() => assertSafeToServe(cfg));
      } else {
        assert.equal(cfg.MAX_CONCURRENT_TASKS, 2);
        assert.equal(cfg.SCRATCH_DIR, '/scratch');
        assert.ok(cfg.TASK_DEADLINE_SECONDS < 1800, 'the worker gives up before Cloud Tasks and Cloud Run do');
      }
    });
  }
});

describe('infra/: the queue', () => {
  it('dispatches at most worker max instances × worker concurrency tasks at once', () => {
    const queue = resource(tf, 'google_cloud_tasks_queue', 'render');
    const cap = evaluate(tf, queue.rate_limits[0].max_concurrent_dispatches);
    const { template } = service('worker');
    const expected = evaluate(tf, template.scaling[0].max_instance_count) * evaluate(tf, template.max_instance_request_concurrency);
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
});

describe('infra/: IAM is least privilege', () => {
  it('grants the api exactly: Firestore user, enqueuer on the queue, act-as on the invoker, signBlob on itself, object viewer, its secrets', () => {
    assert.deepEqual(rolesOf(tf, 'api'), [
      'roles/cloudtasks.enqueuer @ ${google_cloud_tasks_queue.render.name}',
      'roles/datastore.user @ project',
      'roles/iam.serviceAccountTokenCreator @ ${google_service_account.api.name}',
      'roles/iam.serviceAccountUser @ ${google_service_account.tasks_invoker.name}',
      'roles/secretmanager.secretAccessor @ ${each.value.secret}',
      'roles/storage.objectViewer @ ${google_storage_bucket.media.name}',
    ]);
  });

  it('grants the worker exactly: Firestore user, object admin on the bucket only, signBlob on itself, its secrets', () => {
    assert.deepEqual(rolesOf(tf, 'worker'), [
      'roles/datastore.user @ project',
      'roles/iam.serviceAccountTokenCreator @ ${google_service_account.worker.name}',
      'roles/secretmanager.secretAccessor @ ${each.value.secret}',
      'roles/storage.objectAdmin @ ${google_storage_bucket.media.name}',
    ]);
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
    assert.deepEqual(Object.keys(secretEnv('api')).sort(), ['API_KEYS', 'CALLBACK_SECRET']);
    assert.deepEqual(Object.keys(secretEnv('worker')).sort(), ['CALLBACK_SECRET', 'ELEVENLABS_API_KEY', 'PEXELS_API_KEY']);
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
    assert.deepEqual(Object.keys(pinned).sort(), ['API_KEYS', 'CALLBACK_SECRET', 'ELEVENLABS_API_KEY', 'PEXELS_API_KEY']);
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

  it('ships a tfvars example that sets every required variable', () => {
    const example = readFileSync(join(INFRA, 'terraform.tfvars.example'), 'utf8');
    const set = new Set([...example.matchAll(/^([a-z_]+)\s*=/gm)].map((m) => m[1]));
    const required = Object.entries(tf.variables).filter(([, v]) => !('default' in v)).map(([k]) => k);
    assert.ok(required.length >= 3);
    for (const name of required) assert.ok(set.has(name), `terraform.tfvars.example sets ${name}`);
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
    assert.match(script('build'), new RegExp(`--tag ${image.replace(/[.]/g, '\\.')} \\.$`));
    assert.equal(script('push'), `push ${image}`);
    assert.deepEqual(build.images, ['${_IMAGE}']);
  });

  it('rolls the worker out with the shape infra/run.tf declares: gen2, 2 GiB, concurrency 2, 1800 s', () => {
    const s = script('deploy-worker');
    const { template, container } = service('worker');
    assert.match(s, /gcloud run services update reelsmith-worker /);
    assert.match(s, /--image=europe-west1-docker\.pkg\.dev\/my-project\/reelsmith\/reelsmith:b-123/);
    assert.match(s, /--execution-environment=gen2/);
    assert.match(s, new RegExp(`--memory=${container.resources[0].limits.memory}\\b`));
    assert.match(s, new RegExp(`--cpu=${container.resources[0].limits.cpu}\\b`));
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

  it('never creates services, changes IAM, env, secrets or scaling that Terraform owns, or uses "latest"', () => {
    const text = readFileSync(join(ROOT, 'cloudbuild.yaml'), 'utf8');
    const commands = build.steps.map((s: any) => (s.args ?? []).join(' ')).join('\n');
    assert.doesNotMatch(commands, /gcloud run deploy|allow-unauthenticated|--(set|update|clear|remove)-(env-vars|secrets)|--max-instances|--service-account|--ingress/);
    assert.doesNotMatch(text, /:latest|latest\b/);
  });
});
