// The production stores: one Firestore document per record, videos' tasks in FIRESTORE_COLLECTION
// and storyboards in `<FIRESTORE_COLLECTION>_storyboards` (schema in docs/firestore.md). Every
// change is a transaction that reads the document, applies a pure decision and writes the result,
// so two workers racing for a record are serialised by Firestore. The lease verbs are written
// once over update() (leased-store.ts).
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
import type { WrittenScript } from '../domain/script.ts';
import * as T from '../domain/task.ts';
import type { StoryboardRecord, StoryboardResult } from '../domain/storyboard.ts';
import type { VideoRequest } from '../domain/video-request.ts';
import { admit, admitRate, type AdmissionCounts, type AdmissionLimits, type Refusal } from '../domain/admission.ts';
import { Semaphore } from '../lib/semaphore.ts';
import type { BatchItem, BatchRecord } from '../domain/batch.ts';
import type { TemplateRecord } from '../domain/template.ts';
import type { BatchCreateOutcome, BatchStore, CreateOutcome, RecordStore, TaskListQuery, TaskPage, TaskRecordStore, TemplateStore } from './ports.ts';

export interface FirestoreTaskStoreOptions {
  /** Collection of task documents (FIRESTORE_COLLECTION). Idempotency keys live in `${collection}_idempotency`, admission counters in `${collection}_counters`. */
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

/** What every record's document holds (a task's and a storyboard's): times are Timestamps (the TTL policy needs expire_at to be one). */
interface LeasedDocument {
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
  warnings: string[];
  idempotency_key: string | null;
  request_hash: string | null;
  dispatches?: number;
  dispatch_failed_at?: Timestamp | null;
  deadline_misses?: number;
  /** The script written from the request's topic (a map: its scenes are an array of maps). */
  script?: WrittenScript | null;
}

/** The task document as stored. */
export interface TaskDocument extends LeasedDocument {
  output: T.TaskOutput | null;
  callback?: T.CallbackOutbox | null;
  fanout?: T.Fanout | null;
  from_storyboard?: T.StoryboardChoice | null;
  batch?: T.BatchRef | null;
}

/**
 * A storyboard's document: the fields it shares with a task, and its result as JSON (nested
 * arrays, and no index entries for its many fields). Documents written when a storyboard was a
 * task record have a task's fields too (output, callback, fanout: all null): readers ignore them.
 */
export interface StoryboardDocument extends LeasedDocument {
  storyboard_json?: string | null;
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

function toLeasedDocument(r: T.LeasedRecord): LeasedDocument {
  return {
    schema_version: FIRESTORE_SCHEMA_VERSION,
    owner: r.owner,
    status: r.status,
    stage: r.stage,
    progress: r.progress,
    request_json: JSON.stringify(r.request),
    attempt: r.attempt,
    lease_owner: r.lease_owner,
    lease_expires_at: r.lease_expires_at ? ts(r.lease_expires_at) : null,
    created_at: ts(r.created_at),
    updated_at: ts(r.updated_at),
    expire_at: ts(r.expire_at),
    error: r.error,
    warnings: r.warnings,
    idempotency_key: r.idempotency_key,
    request_hash: r.request_hash,
    dispatches: r.dispatches,
    dispatch_failed_at: r.dispatch_failed_at ? ts(r.dispatch_failed_at) : null,
    deadline_misses: r.deadline_misses,
    // Only when there is one: a record with its own script keeps the layout it had before scripts were written.
    ...(r.script ? { script: r.script } : {}),
  };
}

function fromLeasedDocument(id: string, doc: LeasedDocument): T.LeasedRecord {
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
    warnings: doc.warnings ?? [],
    idempotency_key: doc.idempotency_key ?? null,
    request_hash: doc.request_hash ?? null,
    // Documents written before these fields existed: one delivery asked for, no miss.
    dispatches: doc.dispatches ?? 1,
    dispatch_failed_at: doc.dispatch_failed_at ? iso(doc.dispatch_failed_at) : null,
    deadline_misses: doc.deadline_misses ?? 0,
    script: doc.script ?? null,
  };
}

export function toDocument(task: T.TaskRecord): TaskDocument {
  return {
    ...toLeasedDocument(task),
    output: task.output,
    callback: task.callback,
    fanout: task.fanout,
    from_storyboard: task.from_storyboard,
    batch: task.batch,
  };
}

export function fromDocument(id: string, d: DocumentData): T.TaskRecord {
  const doc = d as TaskDocument;
  return {
    ...fromLeasedDocument(id, doc),
    output: doc.output ?? null,
    // Written before these fields existed: no outbox, no fan-out join begun, no storyboard.
    callback: doc.callback ?? null,
    fanout: doc.fanout ? { ...doc.fanout, joins: doc.fanout.joins ?? 0 } : null,
    from_storyboard: doc.from_storyboard ?? null,
    batch: doc.batch ?? null,
  };
}

export function toStoryboardDocument(r: StoryboardRecord): StoryboardDocument {
  return { ...toLeasedDocument(r), ...(r.result ? { storyboard_json: JSON.stringify(r.result) } : {}) };
}

export function fromStoryboardDocument(id: string, d: DocumentData): StoryboardRecord {
  const doc = d as StoryboardDocument;
  return { ...fromLeasedDocument(id, doc), result: doc.storyboard_json ? (JSON.parse(doc.storyboard_json) as StoryboardResult) : null };
}

/** How a kind of record is kept as a document. */
interface DocumentCodec<R> {
  toDocument(record: R): DocumentData;
  fromDocument(id: string, doc: DocumentData): R;
}

const TASK_DOCUMENTS: DocumentCodec<T.TaskRecord> = { toDocument: (t) => toDocument(t), fromDocument };
const STORYBOARD_DOCUMENTS: DocumentCodec<StoryboardRecord> = { toDocument: (r) => toStoryboardDocument(r), fromDocument: fromStoryboardDocument };

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

/** The admission counts a key's counters say at `now`: a fixed one-minute window per key, restarted by the first submit after it ended. */
function countsOf(all: CounterDocument, mine: CounterDocument, now: number): AdmissionCounts {
  const windowLive = (mine.window_ends_at ?? 0) > now;
  return {
    unfinished: Math.max(0, all.unfinished),
    ownerUnfinished: Math.max(0, mine.unfinished),
    ownerRecent: windowLive ? (mine.window_count ?? 0) : 0,
    windowEndsAt: windowLive ? mine.window_ends_at! : now + 60_000,
  };
}

export class FirestoreRecordStore<R extends T.LeasedRecord> implements RecordStore<R> {
  protected readonly db: Firestore;
  readonly #ownsClient: boolean;
  readonly #codec: DocumentCodec<R>;
  /** The records' documents. */
  protected readonly collection: CollectionReference;
  readonly #keys: CollectionReference;
  /** Admission counters: `all`, and one document per API key (`owner-<hash>`). */
  protected readonly counters: CollectionReference;
  /** One admission transaction at a time in this process (see create). */
  protected readonly admission = new Semaphore(1);
  /** Per task id, the end of the last transaction on its document this process asked for (see tx). */
  readonly #perTask = new Map<string, Promise<void>>();
  protected readonly now: () => Date;

  protected constructor(opts: FirestoreTaskStoreOptions, codec: DocumentCodec<R>) {
    this.#ownsClient = !opts.firestore;
    this.db = opts.firestore ?? new Firestore(firestoreSettings(opts));
    this.#codec = codec;
    this.collection = this.db.collection(opts.collection);
    this.#keys = this.db.collection(`${opts.collection}_idempotency`);
    this.counters = this.db.collection(`${opts.collection}_counters`);
    this.now = opts.now ?? (() => new Date());
  }

  /** Options for a store of `collection` on this store's client and clock; closing it leaves the client to this store. */
  protected sameClient(collection: string): FirestoreTaskStoreOptions {
    return { collection, firestore: this.db, now: this.now };
  }

  /** A record as its document holds it. */
  protected record(snap: FirebaseFirestore.DocumentSnapshot): R {
    return this.#codec.fromDocument(snap.id, snap.data()!);
  }

  #ref(id: string): DocumentReference {
    return this.collection.doc(id);
  }

  async #read(tx: Transaction, id: string): Promise<R | null> {
    const snap = await tx.get(this.#ref(id));
    return snap.exists ? this.record(snap) : null;
  }

  /** `prev` is the record as read in this transaction: a record that ends leaves the admission counters. */
  #write(tx: Transaction, task: R, prev: R | null): void {
    // set() of the whole document: the transition functions return complete records.
    tx.set(this.#ref(task.id), this.#codec.toDocument(task));
    if (prev && !T.isFinal(prev.status) && T.isFinal(task.status)) {
      // A blind increment: no read of the counter, so finishing never contends on it.
      for (const ref of [this.counters.doc(ALL), this.counters.doc(ownerCounter(task.owner))]) {
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
  protected tx<X>(id: string, fn: (tx: Transaction) => Promise<X>): Promise<X> {
    const run = (this.#perTask.get(id) ?? Promise.resolve()).then(() => this.db.runTransaction(fn, { maxAttempts: 20 }));
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

  async create(task: R, limits?: AdmissionLimits): Promise<CreateOutcome<R>> {
    if (!limits) return this.#create(task);
    // Every admitted create reads and writes the same counter document. Concurrent ones abort each
    // other into the client's transaction backoff (a second, growing towards a minute): a burst of
    // 50 submits a second then took minutes. One at a time they take a commit each, and only other
    // api instances still contend.
    const release = await this.admission.acquire();
    try {
      return await this.#create(task, limits);
    } finally {
      release();
    }
  }

  async #create(task: R, limits?: AdmissionLimits): Promise<CreateOutcome<R>> {
    // Counters made before this version existed start from a count of what is unfinished.
    const seed = limits ? await this.counterSeeds(task.owner) : null;
    return this.tx(task.id, async (tx) => {
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
          const refused = await this.admitIn(tx, task.owner, limits, seed);
          if (refused) return refused;
        }
        tx.set(keyRef, keyDoc);
      } else if (limits && seed) {
        const refused = await this.admitIn(tx, task.owner, limits, seed);
        if (refused) return refused;
      }
      // create(): the commit fails with ALREADY_EXISTS instead of overwriting a task with this id.
      tx.create(this.#ref(task.id), this.#codec.toDocument(task));
      return { kind: 'created' as const, task };
    });
  }

  protected async counterSeeds(owner: string | null): Promise<{ all: number; owner: number }> {
    const [all, mine] = await Promise.all([this.counters.doc(ALL).get(), this.counters.doc(ownerCounter(owner)).get()]);
    const count = async (q: FirebaseFirestore.Query) => (await q.count().get()).data().count;
    const unfinished = this.collection.where('status', 'in', UNFINISHED);
    return {
      all: all.exists ? 0 : await count(unfinished),
      owner: mine.exists ? 0 : await count(unfinished.where('owner', '==', owner)),
    };
  }

  /**
   * Reads the counters in the create transaction, refuses or takes `n` places (and as many slots
   * of the key's minute); `tasks: false` (a submit that makes no task) takes a slot of the minute alone.
   */
  protected async admitIn(tx: Transaction, owner: string | null, limits: AdmissionLimits, seed: { all: number; owner: number }, n = 1, tasks = true) {
    const allRef = this.counters.doc(ALL);
    const ownerRef = this.counters.doc(ownerCounter(owner));
    const [allSnap, ownerSnap] = await Promise.all([tx.get(allRef), tx.get(ownerRef)]);
    const all = allSnap.exists ? (allSnap.data() as CounterDocument) : { unfinished: seed.all };
    const mine = ownerSnap.exists ? (ownerSnap.data() as CounterDocument) : { unfinished: seed.owner };
    const now = this.now().getTime();
    const counts = countsOf(all, mine, now);
    const refused = tasks ? admit(counts, limits, now, n) : admitRate(counts, limits, now, n);
    if (refused) return refused;
    const taken = tasks ? n : 0;
    tx.set(allRef, { unfinished: counts.unfinished + taken });
    tx.set(ownerRef, {
      unfinished: counts.ownerUnfinished + taken,
      window_ends_at: counts.windowEndsAt,
      window_count: counts.ownerRecent + n,
    });
    return null;
  }

  async findByIdempotencyKey(owner: string | null, key: string): Promise<R | null> {
    const snap = await this.#keys.doc(idempotencyDocId(owner, key)).get();
    // A key whose record is gone (TTL deletes the two documents separately) names nothing.
    return snap.exists ? this.get((snap.data() as IdempotencyDocument).task_id) : null;
  }

  async previewAdmission(owner: string | null, limits: AdmissionLimits): Promise<Refusal | null> {
    const [all, mine] = await Promise.all([this.counters.doc(ALL).get(), this.counters.doc(ownerCounter(owner)).get()]);
    // Counters not made yet count as empty here; the create transaction seeds them from the records.
    const now = this.now().getTime();
    return admit(countsOf((all.data() as CounterDocument | undefined) ?? { unfinished: 0 }, (mine.data() as CounterDocument | undefined) ?? { unfinished: 0 }, now), limits, now);
  }

  async get(id: string): Promise<R | null> {
    const snap = await this.#ref(id).get();
    return snap.exists ? this.record(snap) : null;
  }

  async update<X>(id: string, decide: (record: R | null, now: Date) => { write: R | null; result: X }): Promise<X> {
    return this.tx(id, async (tx) => {
      const prev = await this.#read(tx, id);
      const { write, result } = decide(prev, this.now());
      if (write) this.#write(tx, write, prev);
      return result;
    });
  }

  async listForSweep(): Promise<R[]> {
    const [unfinished, owing] = await Promise.all([
      this.collection.where('status', 'in', UNFINISHED).get(),
      this.collection.where('callback.state', '==', 'pending').get(),
    ]);
    const byId = new Map<string, R>();
    for (const d of [...unfinished.docs, ...owing.docs]) byId.set(d.id, this.record(d));
    return [...byId.values()].sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.db.terminate();
  }
}

/** Videos' tasks (FIRESTORE_COLLECTION). */
export class FirestoreTaskStore extends FirestoreRecordStore<T.TaskRecord> implements TaskRecordStore {
  constructor(opts: FirestoreTaskStoreOptions) {
    super(opts, TASK_DOCUMENTS);
  }

  /** Storyboards in `collection` (`<FIRESTORE_COLLECTION>_storyboards`) on this store's client: close them first. */
  storyboards(collection: string): RecordStore<StoryboardRecord> {
    return new FirestoreStoryboardStore(this.sameClient(collection));
  }

  /** Batches, in `<FIRESTORE_COLLECTION>_batches` on this store's client (createBatch writes them with their tasks). */
  batches(): BatchStore {
    return new FirestoreBatchStore(this.#batchCollection(), this.db, this.now);
  }

  /** Templates, in `<FIRESTORE_COLLECTION>_templates` on this store's client. */
  templates(): TemplateStore {
    return new FirestoreTemplateStore(this.db.collection(`${this.collection.id}_templates`));
  }

  #batchCollection(): CollectionReference {
    return this.db.collection(`${this.collection.id}_batches`);
  }

  async createBatch(batch: BatchRecord, tasks: T.TaskRecord[], limits?: AdmissionLimits): Promise<BatchCreateOutcome> {
    // As create(): one admission transaction at a time in this process.
    const release = limits ? await this.admission.acquire() : null;
    try {
      const seed = limits ? await this.counterSeeds(batch.owner) : null;
      const batches = this.#batchCollection();
      const keys = this.db.collection(`${batches.id}_idempotency`);
      // One transaction: the idempotency key, the counters, every task and the batch. Under
      // Firestore's limits (10 MiB a request, 270 s) for MAX_BATCH_ITEMS tasks of
      // MAX_BATCH_REQUEST_BYTES in all; its reads all come before its writes.
      return await this.tx(batch.id, async (tx) => {
        const keyRef = batch.idempotency_key ? keys.doc(idempotencyDocId(batch.owner, batch.idempotency_key)) : null;
        if (keyRef) {
          const keySnap = await tx.get(keyRef);
          const earlier = keySnap.exists ? await tx.get(batches.doc((keySnap.data() as { batch_id: string }).batch_id)) : null;
          // A key whose batch is gone (TTL deletes the two documents separately) is free again.
          if (earlier?.exists) {
            const existing = fromBatchDocument(earlier.id, earlier.data()!);
            return existing.request_hash === batch.request_hash ? { kind: 'existing' as const, batch: existing } : { kind: 'conflict' as const, batch: existing };
          }
        }
        if (limits && seed) {
          const refused = await this.admitIn(tx, batch.owner, limits, seed, tasks.length);
          if (refused) return refused;
        }
        for (const t of tasks) tx.create(this.collection.doc(t.id), toDocument(t));
        tx.create(batches.doc(batch.id), toBatchDocument(batch));
        if (keyRef && batch.idempotency_key) {
          tx.set(keyRef, { batch_id: batch.id, owner: batch.owner, idempotency_key: batch.idempotency_key, request_hash: batch.request_hash, expire_at: ts(batch.expire_at) });
        }
        return { kind: 'created' as const, batch };
      });
    } finally {
      release?.();
    }
  }

  async getMany(ids: readonly string[]): Promise<(T.TaskRecord | null)[]> {
    if (!ids.length) return [];
    const snaps = await this.db.getAll(...ids.map((id) => this.collection.doc(id)));
    return snaps.map((snap) => (snap.exists ? this.record(snap) : null));
  }

  async takeSubmit(owner: string | null, limits: AdmissionLimits): Promise<Refusal | null> {
    const release = await this.admission.acquire();
    try {
      const seed = await this.counterSeeds(owner);
      return await this.tx(ownerCounter(owner), (tx) => this.admitIn(tx, owner, limits, seed, 1, false));
    } finally {
      release();
    }
  }

  async countUnfinished(): Promise<number> {
    const snap = await this.collection.where('status', 'in', UNFINISHED).count().get();
    return snap.data().count;
  }

  async list(q: TaskListQuery): Promise<TaskPage> {
    // Served by the composite index (owner, created_at DESC, __name__ DESC) in infra/firestore.indexes.json.
    let query = (q.owner !== undefined ? this.collection.where('owner', '==', q.owner) : this.collection)
      .orderBy('created_at', 'desc')
      .orderBy(FieldPath.documentId(), 'desc');
    if (q.after) query = query.startAfter(ts(q.after.created_at), q.after.id);
    const snap = await query.limit(q.limit + 1).get();
    const tasks = snap.docs.slice(0, q.limit).map((d) => this.record(d));
    const last = tasks.at(-1);
    return { tasks, next: snap.docs.length > q.limit && last ? { created_at: last.created_at, id: last.id } : null };
  }

  async recentClipIds(owner: string | null, videos: number): Promise<string[]> {
    if (videos <= 0) return [];
    // Only the ids are read (a field mask), not the request bodies; index: owner, status, created_at desc.
    const snap = await this.collection
      .where('owner', '==', owner)
      .where('status', '==', 'completed')
      .orderBy('created_at', 'desc')
      .limit(videos)
      .select('output.clip_ids')
      .get();
    return [...new Set(snap.docs.flatMap((d) => ((d.get('output.clip_ids') as string[] | undefined) ?? [])))];
  }
}

/** A batch's document: times as Timestamps (expire_at feeds the TTL policy), its metadata as JSON (free-form). */
interface BatchDocument {
  schema_version: number;
  owner: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  expire_at: Timestamp;
  items: BatchItem[];
  callback_url: string | null;
  metadata_json: string | null;
  completed_at: Timestamp | null;
  callback: T.CallbackOutbox | null;
  idempotency_key: string | null;
  request_hash: string | null;
}

function toBatchDocument(b: BatchRecord): BatchDocument {
  return {
    schema_version: FIRESTORE_SCHEMA_VERSION,
    owner: b.owner,
    created_at: ts(b.created_at),
    updated_at: ts(b.updated_at),
    expire_at: ts(b.expire_at),
    items: b.items,
    callback_url: b.callback_url,
    metadata_json: b.metadata ? JSON.stringify(b.metadata) : null,
    completed_at: b.completed_at ? ts(b.completed_at) : null,
    callback: b.callback,
    idempotency_key: b.idempotency_key,
    request_hash: b.request_hash,
  };
}

function fromBatchDocument(id: string, d: DocumentData): BatchRecord {
  const doc = d as BatchDocument;
  return {
    id,
    owner: doc.owner ?? null,
    created_at: iso(doc.created_at),
    updated_at: iso(doc.updated_at),
    expire_at: iso(doc.expire_at),
    items: doc.items,
    callback_url: doc.callback_url ?? null,
    metadata: doc.metadata_json ? (JSON.parse(doc.metadata_json) as Record<string, unknown>) : null,
    completed_at: doc.completed_at ? iso(doc.completed_at) : null,
    callback: doc.callback ?? null,
    idempotency_key: doc.idempotency_key ?? null,
    request_hash: doc.request_hash ?? null,
  };
}

/** Batches; made by FirestoreTaskStore.batches() on the tasks' client. */
class FirestoreBatchStore implements BatchStore {
  readonly #collection: CollectionReference;
  readonly #db: Firestore;
  readonly #now: () => Date;

  constructor(collection: CollectionReference, db: Firestore, now: () => Date) {
    this.#collection = collection;
    this.#db = db;
    this.#now = now;
  }

  async get(id: string): Promise<BatchRecord | null> {
    const snap = await this.#collection.doc(id).get();
    return snap.exists ? fromBatchDocument(id, snap.data()!) : null;
  }

  update<X>(id: string, decide: (batch: BatchRecord | null, now: Date) => { write: BatchRecord | null; result: X }): Promise<X> {
    // Items ending at once contend on the batch's document: more retries than the default 5.
    return this.#db.runTransaction(
      async (tx) => {
        const snap = await tx.get(this.#collection.doc(id));
        const { write, result } = decide(snap.exists ? fromBatchDocument(id, snap.data()!) : null, this.#now());
        if (write) tx.set(this.#collection.doc(id), toBatchDocument(write));
        return result;
      },
      { maxAttempts: 20 },
    );
  }

  async listForSweep(): Promise<BatchRecord[]> {
    const snap = await this.#collection.where('callback.state', '==', 'pending').get();
    return snap.docs.map((d) => fromBatchDocument(d.id, d.data())).sort((a, b) => a.created_at.localeCompare(b.created_at));
  }
}

/** A template's document: its settings as JSON (a request's fields, kept as sent, with no index entries). */
type TemplateDocument = Omit<TemplateRecord, 'settings'> & { settings_json: string };
const toTemplateDocument = ({ settings, ...rest }: TemplateRecord): TemplateDocument => ({ ...rest, settings_json: JSON.stringify(settings) });
const fromTemplateDocument = (d: DocumentData): TemplateRecord => {
  const { settings_json, ...rest } = d as TemplateDocument;
  return { ...rest, settings: JSON.parse(settings_json) as Record<string, unknown> };
};

/** Templates; made by FirestoreTaskStore.templates() on the tasks' client. A name is unique among its owner's, checked in the write's transaction. */
class FirestoreTemplateStore implements TemplateStore {
  readonly #collection: CollectionReference;

  constructor(collection: CollectionReference) {
    this.#collection = collection;
  }

  /** The owner's templates, read in `tx` (a query in a transaction: a racing write of the same owner's aborts one of the two). */
  async #owned(tx: Transaction, owner: string | null): Promise<TemplateRecord[]> {
    const snap = await tx.get(this.#collection.where('owner', '==', owner));
    return snap.docs.map((d) => fromTemplateDocument(d.data()));
  }

  async create(t: TemplateRecord, maxPerOwner: number): Promise<'written' | 'name_taken' | 'too_many'> {
    return this.#collection.firestore.runTransaction(async (tx) => {
      const mine = await this.#owned(tx, t.owner);
      if (mine.some((x) => x.name === t.name)) return 'name_taken';
      if (mine.length >= maxPerOwner) return 'too_many';
      tx.create(this.#collection.doc(t.id), toTemplateDocument(t));
      return 'written';
    });
  }

  async get(id: string): Promise<TemplateRecord | null> {
    const snap = await this.#collection.doc(id).get();
    return snap.exists ? fromTemplateDocument(snap.data()!) : null;
  }

  async list(owner: string | null): Promise<TemplateRecord[]> {
    const snap = await this.#collection.where('owner', '==', owner).get();
    return snap.docs.map((d) => fromTemplateDocument(d.data())).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  async replace(t: TemplateRecord): Promise<'written' | 'name_taken' | 'missing'> {
    return this.#collection.firestore.runTransaction(async (tx) => {
      const current = await tx.get(this.#collection.doc(t.id));
      if (!current.exists) return 'missing';
      const mine = await this.#owned(tx, t.owner);
      if (mine.some((x) => x.name === t.name && x.id !== t.id)) return 'name_taken';
      tx.set(this.#collection.doc(t.id), toTemplateDocument(t));
      return 'written';
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.#collection.firestore.runTransaction(async (tx) => {
      const ref = this.#collection.doc(id);
      if (!(await tx.get(ref)).exists) return false;
      tx.delete(ref);
      return true;
    });
  }

  async close(): Promise<void> {
    // The tasks' store owns the client.
  }
}

/** Storyboards; made by FirestoreTaskStore.storyboards() on the tasks' client. */
class FirestoreStoryboardStore extends FirestoreRecordStore<StoryboardRecord> {
  constructor(opts: FirestoreTaskStoreOptions) {
    super(opts, STORYBOARD_DOCUMENTS);
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
