// infra/firestore.indexes.json is deployed with `firebase deploy --only firestore:indexes`; check
// it with the Firebase CLI's own validator, and that it names the collections the store uses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../functions/config.ts';
import { firebaseToolsDir } from '../support/firebase-tools.ts';
import { skipUnlessGcsEmulator } from '../support/gcs-emulator.ts';

const spec = JSON.parse(readFileSync(new URL('../../infra/firestore.indexes.json', import.meta.url), 'utf8')) as {
  indexes: { collectionGroup: string; fields: { fieldPath: string; order?: string }[] }[];
  fieldOverrides: { collectionGroup: string; fieldPath: string; ttl?: boolean; indexes: unknown[] }[];
};
const collection = loadConfig({}).FIRESTORE_COLLECTION;

describe('infra/firestore.indexes.json', () => {
  it('passes the Firebase CLI validator', { skip: skipUnlessGcsEmulator() }, () => {
    const require = createRequire(import.meta.url);
    const ft = firebaseToolsDir()!;
    const { FirestoreApi } = require(join(ft, 'lib/firestore/api.js')) as {
      FirestoreApi: new () => { validateSpec(s: unknown): void };
    };
    const api = new FirestoreApi();
    assert.doesNotThrow(() => api.validateSpec(spec));
    // The validator is not a no-op: a TTL flag that is not a boolean is refused.
    assert.throws(() => api.validateSpec({ indexes: [], fieldOverrides: [{ collectionGroup: 'x', fieldPath: 'y', ttl: 'yes', indexes: [] }] }));
  });

  it("has the composite index a key's task list needs (owner equality, newest first, id as the tie-break)", () => {
    const idx = spec.indexes.filter((i) => i.collectionGroup === collection).map((i) => JSON.stringify(i.fields));
    assert.ok(
      idx.includes(
        JSON.stringify([
          { fieldPath: 'owner', order: 'ASCENDING' },
          { fieldPath: 'created_at', order: 'DESCENDING' },
          { fieldPath: '__name__', order: 'DESCENDING' },
        ]),
      ),
    );
  });

  it('has the composite index recentClipIds needs (owner and status equality, newest first)', () => {
    const idx = spec.indexes.filter((i) => i.collectionGroup === collection).map((i) => i.fields);
    assert.ok(
      idx.some((f) => JSON.stringify(f) === JSON.stringify([
        { fieldPath: 'owner', order: 'ASCENDING' },
        { fieldPath: 'status', order: 'ASCENDING' },
        { fieldPath: 'created_at', order: 'DESCENDING' },
      ])),
    );
  });

  it('turns on TTL on expire_at for tasks, storyboards, batches and their idempotency keys', () => {
    for (const group of [collection, `${collection}_idempotency`, `${collection}_storyboards`, `${collection}_storyboards_idempotency`, `${collection}_batches`, `${collection}_batches_idempotency`]) {
      const o = spec.fieldOverrides.find((f) => f.collectionGroup === group && f.fieldPath === 'expire_at');
      assert.equal(o?.ttl, true, group);
    }
  });
});
