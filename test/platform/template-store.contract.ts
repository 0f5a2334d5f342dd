// The template store contract: every adapter (local SQLite, Firestore) runs this same suite.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { TemplateRecord } from '../../functions/domain/template.ts';
import type { TemplateStore } from '../../functions/platform/ports.ts';

export interface TemplateStoreHarness {
  templates: TemplateStore;
  cleanup?: () => Promise<void>;
}

export function templateStoreContract(name: string, factory: () => Promise<TemplateStoreHarness>, opts: { skip?: string | false } = {}): void {
  describe(`TemplateStore contract: ${name}`, { skip: opts.skip ?? false }, () => {
    let h: TemplateStoreHarness;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      await h.templates.close();
      await h.cleanup?.();
    });

    const template = (over: Partial<TemplateRecord> = {}): TemplateRecord => ({
      id: randomUUID(),
      owner: 'owner-a',
      name: 'facts',
      // Kept exactly as sent, nested lists of objects included.
      settings: { captions: { style: 'karaoke', font_size: 1.2 }, outputs: [{ aspect_ratio: '9:16' }, { aspect_ratio: '1:1', resolution: '720p' }], speed: 1.1 },
      created_at: '2030-01-01T00:00:00.000Z',
      updated_at: '2030-01-01T00:00:00.000Z',
      ...over,
    });

    it('keeps a template as written, lists an owner’s by name, and none of another’s', async () => {
      const b = template({ name: 'b-channel' });
      const a = template({ name: 'a-channel' });
      const other = template({ owner: 'owner-b' });
      const none = template({ owner: null, name: 'no keys' });
      for (const t of [b, a, other, none]) assert.equal(await h.templates.create(t, 10), 'written');
      assert.deepEqual(await h.templates.get(a.id), a);
      assert.equal(await h.templates.get('no-such-template'), null);
      assert.deepEqual(await h.templates.list('owner-a'), [a, b]);
      assert.deepEqual(await h.templates.list('owner-b'), [other]);
      assert.deepEqual(await h.templates.list(null), [none]);
    });

    it('a name is an owner’s once; an owner keeps at most the number allowed', async () => {
      assert.equal(await h.templates.create(template(), 2), 'written');
      assert.equal(await h.templates.create(template(), 2), 'name_taken');
      assert.equal(await h.templates.create(template({ owner: 'owner-b' }), 2), 'written', 'another owner may use the name');
      assert.equal(await h.templates.create(template({ name: 'second' }), 2), 'written');
      assert.equal(await h.templates.create(template({ name: 'third' }), 2), 'too_many');
      assert.equal((await h.templates.list('owner-a')).length, 2);
    });

    it('replaces a template’s name and settings, never onto another’s name; deletes it', async () => {
      const t = template();
      const u = template({ name: 'other' });
      await h.templates.create(t, 10);
      await h.templates.create(u, 10);
      const changed = { ...t, name: 'renamed', settings: { resolution: '720p' }, updated_at: '2030-01-02T00:00:00.000Z' };
      assert.equal(await h.templates.replace(changed), 'written');
      assert.deepEqual(await h.templates.get(t.id), changed);
      assert.equal(await h.templates.replace({ ...changed, name: 'other' }), 'name_taken');
      assert.equal(await h.templates.replace({ ...changed, name: 'renamed' }), 'written', 'its own name again');
      assert.equal(await h.templates.replace(template({ name: 'ghost' })), 'missing');
      assert.equal(await h.templates.delete(t.id), true);
      assert.equal(await h.templates.delete(t.id), false);
      assert.equal(await h.templates.get(t.id), null);
      assert.equal(await h.templates.create(template({ name: 'renamed' }), 10), 'written', 'a deleted template’s name is free');
    });
  });
}
