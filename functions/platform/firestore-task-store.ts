// The production task store: one Firestore document per task (schema in docs/firestore.md).
// Every mutation is a transaction that reads the document, applies a pure transition from
// domain/task.ts and writes the result, so the rules live in one place and two workers racing
// for a task are serialised by Firestore.
import { createHash } from 'node:crypto';
import {
  FieldPath,
  FieldValue,
  Firestore,
  Timestamp,
  type CollectionReference,
  type DocumentData,
  type DocumentReference,
  type Settings,
  type Transaction,
} from '@google-cloud/firestore';
import { OAuth2Client } from 'google-auth-library';
import * as T from '../domain/task.ts';
import type { StoryboardChoice, StoryboardResult } from '../domain/storyboard.ts';
import type { VideoRequest } from '../domain/video-request.ts';
import { admit, type AdmissionCounts, type AdmissionLimits, type Refusal } from '../domain/admission.ts';
import { Semaphore } from '../lib/semaphore.ts';
import type { CreateOutcome, TaskListQuery, TaskPage, TaskStore } from './ports.ts';

export interface FirestoreTaskStoreOptions {
  /** Collection of task documents (FIRESTORE_COLLECTION). Idempotency keys live in `${collection}_idempotency`. */
  collection: string;
  /** GOOGLE_CLOUD_PROJECT; on Cloud Run the library also finds it on its own. */
  projectId?: string;
  databaseId?: string;
  /** host:port of a Firestore emulator (FIRESTORE_EMULATOR_HOST, which the client library also reads itself). */
  emulatorHost?: string;
  /** A client built elsewhere; the store then leaves closing it to its owner. */
  firestore?: Firestore;
  now?: () => Date;
}

/** Bumped when the document layout changes in a way readers must know about. */
export const FIRESTORE_SCHEMA_VERSION = 1;

const UNFINISHED: T.TaskStatus[] = ['queued', 'processing'];

/** The task document as stored: times are Timestamps (the TTL policy needs expire_at to be one). */
export interface TaskDocument {
  schema_version: number;
  owner: string | null;
  status: T.TaskStatus;
  stage: T.Stage;
  progress: number;
  /** The validated request as JSON: its `metadata` is free-form and may hold values Firestore cannot (nested arrays). */
  request_json: string;
  attempt: number;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  expire_at: Timestamp;
  error: T.TaskFailure | null;
  output: T.TaskOutput | null;
  warnings: string[];
  idempotency_key: string | null;
  request_hash: string | null;
  dispatches?: number;
  dispatch_failed_at?: Timestamp | null;
  deadline_misses?: number;
  callback?: T.CallbackOutbox | null;
  fanout?: T.Fanout | null;
  /** A storyboard's record: its result as JSON (nested arrays, and no index entries for its many fields). */
  storyboard_json?: string | null;
  from_storyboard?: StoryboardChoice | null;
}

interface IdempotencyDocument {
  task_id: string;
  owner: string | null;
  idempotency_key: string;
  request_hash: string | null;
  expire_at: Timestamp;
}

const ts = (iso: string) => Timestamp.fromDate(new Date(iso));
const iso = (t: Timestamp) => t.toDate().toISOString();

export function toDocument(task: T.TaskRecord): TaskDocument {
  return {
    schema_version: FIRESTORE_SCHEMA_VERSION,
    owner: task.owner,
    status: task.status,
    stage: task.stage,
    progress: task.progress,
    request_json: JSON.stringify(task.request),
    attempt: task.attempt,
    lease_owner: task.lease_owner,
    lease_expires_at: task.lease_expires_at ? ts(task.lease_expires_at) : null,
    created_at: ts(task.created_at),
    updated_at: ts(task.updated_at),
    expire_at: ts(task.expire_at),
    error: task.error,
    output: task.output,
    warnings: task.warnings,
    idempotency_key: task.idempotency_key,
    request_hash: task.request_hash,
    dispatches: task.dispatches,
    dispatch_failed_at: task.dispatch_failed_at ? ts(task.dispatch_failed_at) : null,
    deadline_misses: task.deadline_misses,
    callback: task.callback,
    fanout: task.fanout,
    ...(task.storyboard ? { storyboard_json: JSON.stringify(task.storyboard) } : {}),
    ...(task.from_storyboard ? { from_storyboard: task.from_storyboard } : {}),
  };
}

export function fromDocument(id: string, d: DocumentData): T.TaskRecord {
  const doc = d as TaskDocument;
  return {
    id,
    owner: doc.owner ?? null,
    status: doc.status,
    stage: doc.stage,
    progress: doc.progress,
    request: JSON.parse(doc.request_json) as VideoRequest,
    attempt: doc.attempt,
    lease_owner: doc.lease_owner ?? null,
    lease_expires_at: doc.lease_expires_at ? iso(doc.lease_expires_at) : null,
    created_at: iso(doc.created_at),
    updated_at: iso(doc.updated_at),
    expire_at: iso(doc.expire_at),
    error: doc.error ?? null,
    output: doc.output ?? null,
    warnings: doc.warnings ?? [],
    idempotency_key: doc.idempotency_key ?? null,
    request_hash: doc.request_hash ?? null,
    // Documents written before these fields existed: one delivery asked for, no miss, no outbox.
    dispatches: doc.dispatches ?? 1,
    dispatch_failed_at: doc.dispatch_failed_at ? iso(doc.dispatch_failed_at) : null,
    deadline_misses: doc.deadline_misses ?? 0,
    callback: doc.callback ?? null,
    fanout: doc.fanout ?? null,
    ...(doc.storyboard_json ? { storyboard: JSON.parse(doc.storyboard_json) as StoryboardResult } : {}),
    ...(doc.from_storyboard ? { from_storyboard: doc.from_storyboard } : {}),
  };
}

/** An admission counter document (collection `${FIRESTORE_COLLECTION}_counters`). */
interface CounterDocument {
  /** Unfinished tasks (queued or processing). */
  unfinished: number;
  /** The key's current one-minute submit window (owner documents only), epoch ms. */
  window_ends_at?: number;
  window_count?: number;
}

const ALL = 'all';
const ownerCounter = (owner: string | null) => `owner-${owner ?? 'none'}`;

/** Document id of an idempotency key: a hash, because keys are client text (slashes, length). */
export function idempotencyDocId(owner: string | null, key: string): string {
  return createHash('sha256').update(`${owner ?? ''}\n${key}`).digest('hex');
}

/** The admission counts a task's counters say at `now`: a fixed one-minute window per key, restarted by the first submit after it ended. */
function countsOf(all: CounterDocument, mine: CounterDocument, now: number): AdmissionCounts {
  const windowLive = (mine.window_ends_at ?? 0) > now;
  return {
    unfinished: Math.max(0, all.unfinished),
    ownerUnfinished: Math.max(0, mine.unfinished),
    ownerRecent: windowLive ? (mine.window_count ?? 0) : 0,
    windowEndsAt: windowLive ? mine.window_ends_at! : now + 60_000,
  };
}

export class FirestoreTaskStore implements TaskStore {
  readonly #db: Firestore;
  readonly #ownsClient: boolean;
  readonly #tasks: CollectionReference;
  readonly #keys: CollectionReference;
  /** Admission counters: `all`, and one document per API key (`owner-<hash>`). */
  readonly #counters: CollectionReference;
  /** One admission transaction at a time in this process (see create). */
  readonly #admission = new Semaphore(1);
  /** Per task id, the end of the last transaction on its document this process asked for (see #tx). */
  readonly #perTask = new Map<string, Promise<void>>();
  readonly #now: () => Date;

  constructor(opts: FirestoreTaskStoreOptions) {
    this.#ownsClient = !opts.firestore;
    this.#db = opts.firestore ?? new Firestore(firestoreSettings(opts));
    this.#tasks = this.#db.collection(opts.collection);
    this.#keys = this.#db.collection(`${opts.collection}_idempotency`);
    this.#counters = this.#db.collection(`${opts.collection}_counters`);
    this.#now = opts.now ?? (() => new Date());
  }

  /** A store over another collection on this one's client (storyboards beside tasks); closing it leaves the client to this one. */
  withCollection(collection: string): FirestoreTaskStore {
    return new FirestoreTaskStore({ collection, firestore: this.#db, now: this.#now });
  }

  #ref(id: string): DocumentReference {
    return this.#tasks.doc(id);
  }

  async #read(tx: Transaction, id: string): Promise<T.TaskRecord | null> {
    const snap = await tx.get(this.#ref(id));
    return snap.exists ? fromDocument(id, snap.data()!) : null;
  }

  /** `prev` is the record as read in this transaction: a task that ends leaves the admission counters. */
  #write(tx: Transaction, task: T.TaskRecord, prev: T.TaskRecord | null): void {
    // set() of the whole document: the transition functions return complete records.
    tx.set(this.#ref(task.id), toDocument(task));
    if (prev && !T.isFinal(prev.status) && T.isFinal(task.status)) {
      // A blind increment: no read of the counter, so finishing never contends on it.
      for (const ref of [this.#counters.doc(ALL), this.#counters.doc(ownerCounter(task.owner))]) {
        tx.set(ref, { unfinished: FieldValue.increment(-1) }, { merge: true });
      }
    }
  }

  /**
   * A transaction on task `id`'s document. This process runs them one at a time per task: a
   * delivery's heartbeat, its progress writes and its outcome (and chunk deliveries of one video)
   * all write that document, and run at once they abort each other into the client's transaction
   * backoff, which grows towards a minute a try: a heartbeat so delayed let its lease run out
   * while the delivery waited. Deliveries in other processes still contend; allow more retries
   * than the default 5 so that resolves into "busy", not into an ABORTED error.
   */
  #tx<R>(id: string, fn: (tx: Transaction) => Promise<R>): Promise<R> {
    const run = (this.#perTask.get(id) ?? Promise.resolve()).then(() => this.#db.runTransaction(fn, { maxAttempts: 20 }));
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#perTask.set(id, settled);
    void settled.then(() => {
      if (this.#perTask.get(id) === settled) this.#perTask.delete(id);
    });
    return run;
  }

  /** Apply `change` if `owner` holds the lease; null otherwise. */
  #asHolder(id: string, owner: string, change: (t: T.TaskRecord, now: Date) => T.TaskRecord): Promise<T.TaskRecord | null> {
    return this.#tx(id, async (tx) => {
      const task = await this.#read(tx, id);
      if (!T.holdsLease(task, owner)) return null;
      const next = change(task, this.#now());
      this.#write(tx, next, task);
      return next;
    });
  }

  async create(task: T.TaskRecord, limits?: AdmissionLimits): Promise<CreateOutcome> {
    if (!limits) return this.#create(task);
    // Every admitted create reads and writes the same counter document. Concurrent ones abort each
    // other into the client's transaction backoff (a second, growing towards a minute): a burst of
    // 50 submits a second then took minutes. One at a time they take a commit each, and only other
    // api instances still contend.
    const release = await this.#admission.acquire();
    try {
      return await this.#create(task, limits);
    } finally {
      release();
    }
  }

  async #create(task: T.TaskRecord, limits?: AdmissionLimits): Promise<CreateOutcome> {
    // Counters made before this version existed start from a count of what is unfinished.
    const seed = limits ? await this.#counterSeeds(task.owner) : null;
    return this.#tx(task.id, async (tx) => {
      const keyRef = task.idempotency_key ? this.#keys.doc(idempotencyDocId(task.owner, task.idempotency_key)) : null;
      if (keyRef && task.idempotency_key) {
        const keySnap = await tx.get(keyRef);
        if (keySnap.exists) {
          const key = keySnap.data() as IdempotencyDocument;
          const existing = await this.#read(tx, key.task_id);
          // A key whose task is gone (TTL deletes the two documents separately) is free again.
          if (existing) {
            return existing.request_hash === task.request_hash
              ? { kind: 'existing' as const, task: existing }
              : { kind: 'conflict' as const, task: existing };
          }
        }
        const keyDoc: IdempotencyDocument = {
          task_id: task.id,
          owner: task.owner,
          idempotency_key: task.idempotency_key,
          request_hash: task.request_hash,
          expire_at: ts(task.expire_at),
        };
        if (limits && seed) {
          const refused = await this.#admit(tx, task, limits, seed);
          if (refused) return refused;
        }
        tx.set(keyRef, keyDoc);
      } else if (limits && seed) {
        const refused = await this.#admit(tx, task, limits, seed);
        if (refused) return refused;
      }
      // create(): the commit fails with ALREADY_EXISTS instead of overwriting a task with this id.
      tx.create(this.#ref(task.id), toDocument(task));
      return { kind: 'created' as const, task };
    });
  }

  async #counterSeeds(owner: string | null): Promise<{ all: number; owner: number }> {
    const [all, mine] = await Promise.all([this.#counters.doc(ALL).get(), this.#counters.doc(ownerCounter(owner)).get()]);
    const count = async (q: FirebaseFirestore.Query) => (await q.count().get()).data().count;
    const unfinished = this.#tasks.where('status', 'in', UNFINISHED);
    return {
      all: all.exists ? 0 : await count(unfinished),
      owner: mine.exists ? 0 : await count(unfinished.where('owner', '==', owner)),
    };
  }

  /** Reads the counters in the create transaction, refuses or takes a place (and a slot of the key's minute). */
  async #admit(tx: Transaction, task: T.TaskRecord, limits: AdmissionLimits, seed: { all: number; owner: number }) {
    const allRef = this.#counters.doc(ALL);
    const ownerRef = this.#counters.doc(ownerCounter(task.owner));
    const [allSnap, ownerSnap] = await Promise.all([tx.get(allRef), tx.get(ownerRef)]);
    const all = allSnap.exists ? (allSnap.data() as CounterDocument) : { unfinished: seed.all };
    const mine = ownerSnap.exists ? (ownerSnap.data() as CounterDocument) : { unfinished: seed.owner };
    const now = this.#now().getTime();
    const windowLive = (mine.window_ends_at ?? 0) > now;
    const refused = admit(countsOf(all, mine, now), limits, now);
    if (refused) return refused;
    tx.set(allRef, { unfinished: Math.max(0, all.unfinished) + 1 });
    tx.set(ownerRef, {
      unfinished: Math.max(0, mine.unfinished) + 1,
      window_ends_at: windowLive ? mine.window_ends_at! : now + 60_000,
      window_count: (windowLive ? (mine.window_count ?? 0) : 0) + 1,
    });
    return null;
  }

  async findByIdempotencyKey(owner: string | null, key: string): Promise<T.TaskRecord | null> {
    const snap = await this.#keys.doc(idempotencyDocId(owner, key)).get();
    // A key whose task is gone (TTL deletes the two documents separately) names nothing.
    return snap.exists ? this.get((snap.data() as IdempotencyDocument).task_id) : null;
  }

  async previewAdmission(owner: string | null, limits: AdmissionLimits): Promise<Refusal | null> {
    const [all, mine] = await Promise.all([this.#counters.doc(ALL).get(), this.#counters.doc(ownerCounter(owner)).get()]);
    // Counters not made yet count as empty here; the create transaction seeds them from the tasks.
    const now = this.#now().getTime();
    return admit(countsOf((all.data() as CounterDocument | undefined) ?? { unfinished: 0 }, (mine.data() as CounterDocument | undefined) ?? { unfinished: 0 }, now), limits, now);
  }

  async get(id: string): Promise<T.TaskRecord | null> {
    const snap = await this.#ref(id).get();
    return snap.exists ? fromDocument(id, snap.data()!) : null;
  }

  async claim(id: string, owner: string, leaseMs: number): Promise<T.ClaimOutcome> {
    return this.#tx(id, async (tx) => {
      const prev = await this.#read(tx, id);
      const outcome = T.claim(prev, owner, leaseMs, this.#now());
      if (outcome.kind === 'claimed') this.#write(tx, outcome.task, prev);
      return outcome;
    });
  }

  async renewLease(id: string, owner: string, leaseMs: number): Promise<T.TaskRecord | null> {
    return this.#asHolder(id, owner, (t, now) => T.renewLease(t, leaseMs, now));
  }

  async progress(id: string, owner: string, stage: T.Stage, progress: number): Promise<void> {
    await this.#asHolder(id, owner, (t, now) => T.advance(t, stage, progress, now));
  }

  async complete(id: string, owner: string, output: T.TaskOutput, warnings: string[]): Promise<T.TaskRecord | null> {
    return this.#asHolder(id, owner, (t, now) => T.complete(t, output, warnings, now));
  }

  async fail(id: string, owner: string, error: T.TaskFailure, maxAttempts: number): Promise<T.TaskRecord | null> {
    return this.#asHolder(id, owner, (t, now) => T.failAttempt(t, error, maxAttempts, now));
  }

  async update<R>(id: string, decide: (task: T.TaskRecord | null, now: Date) => { write: T.TaskRecord | null; result: R }): Promise<R> {
    return this.#tx(id, async (tx) => {
      const prev = await this.#read(tx, id);
      const { write, result } = decide(prev, this.#now());
      if (write) this.#write(tx, write, prev);
      return result;
    });
  }

  async listForSweep(): Promise<T.TaskRecord[]> {
    const [unfinished, owing] = await Promise.all([
      this.#tasks.where('status', 'in', UNFINISHED).get(),
      this.#tasks.where('callback.state', '==', 'pending').get(),
    ]);
    const byId = new Map<string, T.TaskRecord>();
    for (const d of [...unfinished.docs, ...owing.docs]) byId.set(d.id, fromDocument(d.id, d.data()));
    return [...byId.values()].sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  async cancel(id: string): Promise<T.TaskRecord | null> {
    return this.#tx(id, async (tx) => {
      const task = await this.#read(tx, id);
      if (!task) return null;
      const next = T.cancel(task, this.#now());
      if (next !== task) this.#write(tx, next, task);
      return next;
    });
  }

  async countUnfinished(): Promise<number> {
    const snap = await this.#tasks.where('status', 'in', UNFINISHED).count().get();
    return snap.data().count;
  }

  async list(q: TaskListQuery): Promise<TaskPage> {
    // Served by the composite index (owner, created_at DESC, __name__ DESC) in infra/firestore.indexes.json.
    let query = (q.owner !== undefined ? this.#tasks.where('owner', '==', q.owner) : this.#tasks)
      .orderBy('created_at', 'desc')
      .orderBy(FieldPath.documentId(), 'desc');
    if (q.after) query = query.startAfter(ts(q.after.created_at), q.after.id);
    const snap = await query.limit(q.limit + 1).get();
    const tasks = snap.docs.slice(0, q.limit).map((d) => fromDocument(d.id, d.data()));
    const last = tasks.at(-1);
    return { tasks, next: snap.docs.length > q.limit && last ? { created_at: last.created_at, id: last.id } : null };
  }

  async recentClipIds(owner: string | null, videos: number): Promise<string[]> {
    if (videos <= 0) return [];
    // Only the ids are read (a field mask), not the request bodies; index: owner, status, created_at desc.
    const snap = await this.#tasks
      .where('owner', '==', owner)
      .where('status', '==', 'completed')
      .orderBy('created_at', 'desc')
      .limit(videos)
      .select('output.clip_ids')
      .get();
    return [...new Set(snap.docs.flatMap((d) => ((d.get('output.clip_ids') as string[] | undefined) ?? [])))];
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#db.terminate();
  }
}

function firestoreSettings(opts: FirestoreTaskStoreOptions): Settings {
  const s: Settings = { ignoreUndefinedProperties: true };
  if (opts.projectId) s.projectId = opts.projectId;
  if (opts.databaseId) s.databaseId = opts.databaseId;
  if (opts.emulatorHost) {
    s.host = opts.emulatorHost;
    s.ssl = false;
    // The emulator needs no credentials, but the client still asks its auth for a universe domain,
    // which without credentials probes the GCE metadata server (a DNS lookup and a warning). A
    // credential-less client answers that locally.
    s.authClient = new OAuth2Client();
  }
  return s;
}
