// Requests in layers (a template's settings, a batch's defaults, the request itself), templates'
// settings and batches' items checked as wholes, and a batch hearing its items end. Pure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchRequests, batchTemplateIds, itemEnded, itemsEnded, newBatch } from '../../functions/domain/batch.ts';
import { layered } from '../../functions/domain/request-layers.ts';
import { applyTemplate, checkSettings, TEMPLATE_FIELDS } from '../../functions/domain/template.ts';
import { beyondLimits, admit } from '../../functions/domain/admission.ts';

describe('request layers', () => {
  it('the request wins; objects merge field by field, lists are replaced whole', () => {
    const template = { voice_id: 'en-gb', captions: { style: 'karaoke', position: 'center' }, outputs: [{ aspect_ratio: '9:16' }, { aspect_ratio: '1:1' }] };
    const merged = layered([template], { script_text: 'Hi.', captions: { position: 'top' }, outputs: [{ aspect_ratio: '16:9' }] });
    assert.deepEqual(merged, { voice_id: 'en-gb', captions: { style: 'karaoke', position: 'top' }, outputs: [{ aspect_ratio: '16:9' }], script_text: 'Hi.' });
  });

  it('captions: false over an object turns them off; an object over false turns them on', () => {
    assert.equal(layered([{ captions: { style: 'line' } }], { captions: false }).captions, false);
    assert.deepEqual(layered([{ captions: false }], { captions: { style: 'line' } }).captions, { style: 'line' });
  });

  it('alternatives go together: aspect_ratio drops a lower outputs, music.mood a lower music.url, a topic a lower script', () => {
    assert.deepEqual(layered([{ outputs: [{ aspect_ratio: '1:1' }] }], { aspect_ratio: '16:9' }), { aspect_ratio: '16:9' });
    assert.deepEqual(layered([{ music: { url: 'https://x/a.mp3', volume: 0.3 } }], { music: { mood: 'chill' } }), { music: { volume: 0.3, mood: 'chill' } });
    assert.deepEqual(layered([{ script_text: 'Default.' }], { topic: 'octopus hearts' }), { topic: 'octopus hearts' });
  });

  it("a lower layer's topic fields are dropped from a request with its own script; the request's own are kept, for the schema to refuse", () => {
    assert.deepEqual(layered([{ duration_s: 30, tone: 'calm', voice_id: 'en' }], { script_text: 'Hi.' }), { voice_id: 'en', script_text: 'Hi.' });
    assert.deepEqual(layered([{ duration_s: 30 }], { topic: 'octopus hearts' }), { duration_s: 30, topic: 'octopus hearts' });
    assert.deepEqual(layered([], { script_text: 'Hi.', tone: 'calm' }), { script_text: 'Hi.', tone: 'calm' });
  });
});

describe('templates', () => {
  it('hold every request field but a video’s content', () => {
    for (const f of ['voice_id', 'captions', 'music', 'outputs', 'resolution', 'duration_s', 'tone', 'script_format', 'hashtags', 'max_duration_s']) assert.ok(TEMPLATE_FIELDS.includes(f), f);
    for (const f of ['script_text', 'scenes', 'topic', 'callback_url', 'metadata', 'seed', 'template_id', 'storyboard_id']) assert.ok(!TEMPLATE_FIELDS.includes(f), f);
  });

  it('settings are checked as a request would be, each problem under settings.', () => {
    assert.deepEqual(checkSettings({ captions: { style: 'karaoke' }, outputs: [{ aspect_ratio: '9:16' }], duration_s: 30 }), []);
    assert.deepEqual(checkSettings({ script_text: 'Hi.' }), [{ path: 'settings.script_text', message: "a template holds a video's settings, not its script_text: leave it out (send it with each video)" }]);
    assert.equal(checkSettings({ captions: { style: 'comic' } })[0]?.path, 'settings.captions.style');
    assert.equal(checkSettings({ colour: 'red' })[0]?.path, 'settings.colour');
    assert.equal(checkSettings({ fit: 'speed' })[0]?.path, 'settings.fit');
  });

  it('apply under the request', () => {
    assert.deepEqual(applyTemplate({ id: 't', settings: { resolution: '720p', captions: { style: 'boxed' } } }, { script_text: 'Hi.', template_id: 't', resolution: '1080p' }), {
      resolution: '1080p',
      captions: { style: 'boxed' },
      script_text: 'Hi.',
      template_id: 't',
    });
  });
});

describe('batch items', () => {
  const templates = new Map([['tpl', { captions: { style: 'karaoke' }, resolution: '720p' }]]);

  it('are merged over the template and the defaults, each validated whole', () => {
    const r = batchRequests({ template_id: 'tpl', defaults: { aspect_ratio: '1:1', captions: { position: 'top' } }, items: [{ script_text: 'One.' }, { topic: 'octopus hearts', resolution: '1080p' }] }, templates);
    assert.ok(r.ok);
    const [a, b] = r.items;
    assert.equal(a!.request.resolution, '720p');
    assert.deepEqual(a!.request.captions, { style: 'karaoke', position: 'top', font_size: 1, max_words_per_line: 4 });
    assert.equal(a!.request.template_id, 'tpl');
    assert.equal(b!.request.resolution, '1080p');
    assert.equal(b!.request.topic, 'octopus hearts');
  });

  it('every problem of every item is named by its index; callback_url and metadata are the batch’s', () => {
    const r = batchRequests({ defaults: { callback_url: 'https://x/h' }, items: [{ script_text: 'Fine.' }, {}, { script_text: 'x', captions: { style: 'comic' } }, { template_id: 'nope', script_text: 'y' }, { script_text: 'z', metadata: {} }] }, templates);
    assert.ok(!r.ok);
    assert.deepEqual(
      r.details.map((d) => d.path),
      ['defaults.callback_url', 'items.1.script_text', 'items.2.captions.style', 'items.3.template_id', 'items.4.metadata'],
    );
  });

  it('name their templates once each', () => {
    assert.deepEqual(batchTemplateIds({ template_id: 'a', defaults: { template_id: 'b' }, items: [{ template_id: 'a' }, { template_id: 'c' }, {}] }), ['a', 'b', 'c']);
  });
});

describe('a batch hears its items end', () => {
  const batch = () => newBatch({ id: 'b', owner: null, taskIds: ['t0', 't1'], callbackUrl: 'https://x/h', metadata: null, now: new Date(0), retentionDays: 7, idempotencyKey: null, requestHash: null });

  it('once per item; the last end completes it and owes its callback one event', () => {
    const first = itemEnded(batch(), 't0', 'completed', new Date(1000));
    assert.equal(first.kind, 'recorded');
    if (first.kind !== 'recorded') return;
    assert.equal(first.completed, false);
    assert.equal(first.batch.callback, null);
    assert.deepEqual(itemEnded(first.batch, 't0', 'completed', new Date(2000)), { kind: 'known' });
    const last = itemEnded(first.batch, 't1', 'failed', new Date(3000));
    assert.ok(last.kind === 'recorded' && last.completed);
    assert.equal(last.batch.completed_at, new Date(3000).toISOString());
    assert.equal(last.batch.callback?.event, 'batch.completed');
    assert.equal(last.batch.callback?.delivery_id, 'b.completed');
    assert.deepEqual(itemEnded(last.batch, 'unknown', 'failed', new Date()), { kind: 'known' });
  });

  it('several at once (a cancel), skipping the items still running', () => {
    const r = itemsEnded(batch(), [{ id: 't0', status: 'cancelled' }, { id: 't1', status: 'processing' }], new Date(5));
    assert.ok(r.kind === 'recorded' && !r.completed);
    assert.deepEqual(r.batch.items, [{ task_id: 't0', ended: 'cancelled' }, { task_id: 't1', ended: null }]);
  });
});

describe('admission of several tasks at once', () => {
  const limits = { maxUnfinished: 100, maxUnfinishedPerOwner: 50, perMinutePerOwner: 60 };
  const counts = { unfinished: 0, ownerUnfinished: 45, ownerRecent: 0, windowEndsAt: 60_000 };

  it('all fit or none: 5 more fit a key with 45 waiting, 6 do not', () => {
    assert.equal(admit(counts, limits, 0, 5), null);
    assert.equal(admit(counts, limits, 0, 6)?.reason, 'key_queue_full');
  });

  it('more than a limit ever allows is not a wait but a batch too large', () => {
    assert.deepEqual(beyondLimits(51, limits), { setting: 'MAX_QUEUED_PER_KEY', limit: 50 });
    assert.equal(beyondLimits(50, limits), null);
  });
});
