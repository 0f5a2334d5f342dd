// Footage per sentence group: the groups, their search terms, and where footage comes from when
// a part finds nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SourceClip } from '../../functions/domain/media.ts';
import { splitWords } from '../../functions/domain/text.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { videoSpec } from '../../functions/domain/video-spec.ts';
import { scriptForms } from '../../functions/language/spoken-form.ts';
import { gatherFootage, planFootageParts, sentenceGroups, type FootageSetup } from '../../functions/pipeline/footage-plan.ts';
import type { FootageProvider, FootageRequest } from '../../functions/providers/ports.ts';
import { findFootage, footageOrder, interleaved } from '../../functions/pipeline/footage.ts';
import type { MediaMode } from '../../functions/domain/footage-media.ts';

const SCRIPT =
  'Coral reefs shelter a quarter of all marine species. Rising temperatures bleach them white. ' +
  'Tokyo never sleeps, and neon signs light up Shibuya crossing at midnight. The Eiffel Tower grows 15 cm every summer.';

/** The spec of a request, as the worker derives it. */
const spec = (body: object) => videoSpec(VideoRequestSchema.parse(body), { seed: 1 });

describe('sentence groups', () => {
  it('partition the words, join short sentences, cut long ones at clauses, and respect max_clips', () => {
    const groups = sentenceGroups(SCRIPT, 'en', 8);
    assert.deepEqual(groups.flatMap((g) => splitWords(g)), splitWords(SCRIPT));
    assert.deepEqual(groups, [
      'Coral reefs shelter a quarter of all marine species.',
      'Rising temperatures bleach them white.',
      'Tokyo never sleeps, and neon signs light up Shibuya crossing at midnight.',
      'The Eiffel Tower grows 15 cm every summer.',
    ]);
    assert.equal(sentenceGroups(SCRIPT, 'en', 2).length, 2);
    // "Hi. Yes." is too short for a piece of its own: it joins the next sentence.
    assert.deepEqual(sentenceGroups('Hi. Yes. The mountains rise above the quiet valley at dawn.', 'en', 8), ['Hi. Yes. The mountains rise above the quiet valley at dawn.']);
    const long = 'The expedition crossed the frozen plateau for eleven days, carrying everything on sledges, ' + 'and at the far edge of the ice they finally saw the sea again.';
    const cut = sentenceGroups(long, 'en', 8);
    assert.ok(cut.length >= 2, 'a long sentence is cut at its clauses');
    for (const g of cut.slice(0, -1)) assert.match(g, /,$/);
  });
});

describe('search terms', () => {
  it('parts: one per sentence group, each with its terms and the topic to fall back on', async () => {
    const req = spec({ script_text: SCRIPT, search_query: 'nature facts' });
    const parts = await planFootageParts(req, scriptForms([SCRIPT], undefined));
    assert.equal(parts.length, 4);
    assert.deepEqual(parts[0], {
      text: 'Coral reefs shelter a quarter of all marine species.',
      sourceIndex: 0,
      terms: ['coral reefs', 'marine species'],
      query: 'coral reefs marine species',
      fallbacks: ['coral reefs', 'nature facts', 'nature'],
      weight: parts[0]!.weight,
    });
    assert.ok(Math.abs(parts.reduce((s, p) => s + p.weight, 0) - 1) < 0.05);
  });

  it('one part: footage "topic", clip_urls, a non-English script, or scenes as sent', async () => {
    const topic = await planFootageParts(spec({ script_text: SCRIPT, footage: 'topic' }), scriptForms([SCRIPT]));
    assert.equal(topic.length, 1);
    assert.deepEqual(topic[0]!.terms, []);
    const urls = await planFootageParts(spec({ script_text: SCRIPT, clip_urls: ['https://example.com/a.mp4'] }), scriptForms([SCRIPT]));
    assert.equal(urls.length, 1);
    const es = 'Los arrecifes de coral albergan muchas especies. Las temperaturas los blanquean. Tokio nunca duerme de noche.';
    assert.equal((await planFootageParts(spec({ script_text: es, search_query: 'mar' }), scriptForms([es]))).length, 1);
    const scenes = await planFootageParts(
      spec({ scenes: [{ text: 'Mountains are old.', search_query: 'mountains' }, { text: 'Rivers carve them.' }] }),
      scriptForms(['Mountains are old.', 'Rivers carve them.']),
    );
    assert.deepEqual(scenes.map((p) => [p.query, p.sourceIndex]), [['mountains', 0], ['rivers mountains', 1]]);
  });
});

describe('gathering footage', () => {
  const clip = (id: string, query: string): SourceClip => ({ kind: 'file', path: `/x/${id}.mp4`, durationS: 5, width: 720, height: 1280, credit: null, id, query });
  const provider = (find: (r: FootageRequest) => SourceClip[], asked: FootageRequest[] = []): FootageProvider => ({
    name: 'stub',
    find: async (r) => {
      asked.push(r);
      return { clips: find(r), warnings: [] };
    },
  });
  const generatedAsked: FootageRequest[] = [];
  const setup = (p: FootageProvider): FootageSetup => ({
    sources: () => [p],
    generated: provider(() => [{ kind: 'generated', lavfi: 'color', durationS: 30, credit: null }], generatedAsked),
    searchesPerVideo: 7,
    recentClips: async () => new Set(['pexels:old']),
  });
  const req = spec({ script_text: SCRIPT });
  const opts = (parts: Awaited<ReturnType<typeof planFootageParts>>, warnings: string[]) => ({
    spec: req, owner: 'o', parts, estimateS: 20, width: 720, height: 1280, seed: 1, dir: '/tmp', signal: new AbortController().signal, warnings,
  });

  it('a part that finds nothing borrows; no generated background while any footage exists', async () => {
    const parts = await planFootageParts(req, scriptForms([SCRIPT]));
    const asked: FootageRequest[] = [];
    const warnings: string[] = [];
    const got = await gatherFootage(setup(provider((r) => (r.query.startsWith('coral') ? [clip('pexels:1', r.query)] : []), asked)), opts(parts, warnings));
    assert.equal(got.clips.length, 1);
    assert.deepEqual(got.partClips, [[0], [], [], []]);
    assert.deepEqual(warnings, []);
    assert.equal(generatedAsked.length, 0);
    // Every part shares one context: one budget, one taken set, the owner's recent clips.
    assert.equal(new Set(asked.map((r) => r.context)).size, 1);
    assert.equal(asked[0]!.context!.searchesLeft, 7);
    assert.deepEqual([...asked[0]!.context!.recent], ['pexels:old']);
    assert.deepEqual(asked[1]!.fallbacks, parts[1]!.fallbacks);
    assert.equal(asked[1]!.fallbacks!.at(-1), 'nature');
  });

  it('nothing anywhere: generated backgrounds for the whole video, always with a warning', async () => {
    const parts = await planFootageParts(req, scriptForms([SCRIPT]));
    const warnings: string[] = [];
    const got = await gatherFootage(setup(provider(() => [])), opts(parts, warnings));
    assert.equal(got.clips[0]?.kind, 'generated');
    assert.equal(generatedAsked.length, 1);
    assert.match(warnings.join('\n'), /no footage was found for "coral reefs marine species" or "rising temperatures" or "tokyo shibuya crossing"; the video uses generated backgrounds/);
  });

  it("nothing found for the user's own searches: the warning quotes them, not a made-up topic", async () => {
    const texts = ['Mountains grow a few millimetres each year.', 'The river cuts its canyon grain by grain.'];
    const scenesReq = spec({ scenes: [{ text: texts[0], search_query: 'mountains' }, { text: texts[1], search_query: 'river canyon' }] });
    const parts = await planFootageParts(scenesReq, scriptForms(texts));
    const warnings: string[] = [];
    const asked: FootageRequest[] = [];
    const s = setup(provider(() => []));
    s.generated = provider(() => [{ kind: 'generated', lavfi: 'color', durationS: 30, credit: null }], asked);
    await gatherFootage(s, { ...opts(parts, warnings), spec: scenesReq });
    assert.deepEqual(warnings, ['no footage was found for "mountains" or "river canyon"; the video uses generated backgrounds']);
    assert.equal(asked[0]!.query, 'mountains river canyon');
  });
});

describe('media: videos, photos or both', () => {
  const still = (id: string): SourceClip => ({ kind: 'file', path: `/x/${id}.img`, durationS: 5, width: 1080, height: 1920, credit: null, id, still: 'jpeg' });
  const video = (id: string): SourceClip => ({ kind: 'file', path: `/x/${id}.mp4`, durationS: 4, width: 1080, height: 1920, credit: null, id });
  /** A source that has `n` clips and records what it was asked for. */
  const source = (name: string, make: (id: string) => SourceClip, n: number, asked: string[]): FootageProvider => ({
    name,
    find: async (r) => {
      asked.push(`${name} ${r.count} ${r.minTotalS}`);
      return { clips: Array.from({ length: Math.min(n, r.count) }, (_, i) => make(`${name}:${i}`)), warnings: [] };
    },
  });
  const req = spec({ script_text: 'Mountains at dawn.' });
  const want: FootageRequest = { query: 'mountains', count: 4, minTotalS: 16, orientation: 'portrait', width: 1080, height: 1920, seed: 1 };

  it('the order of the sources by mode: the named clips first, FOOTAGE_DIR last', () => {
    const asked: string[] = [];
    const order = footageOrder({
      urls: () => source('urls', video, 1, asked),
      pexels: source('videos', video, 9, asked),
      pexelsPhotos: source('photos', still, 9, asked),
      dir: source('dir', video, 9, asked),
    });
    const names = (media?: MediaMode) => order(req, 0, media).map((p) => p.name);
    assert.deepEqual(names(), ['videos', 'photos', 'dir']);
    assert.deepEqual(names('videos'), ['videos', 'photos', 'dir']);
    assert.deepEqual(names('photos'), ['photos', 'videos', 'dir']);
    assert.deepEqual(names('both'), ['videos+photos', 'videos', 'photos', 'dir']);
    const withUrls = spec({ script_text: 'Mountains at dawn.', clip_urls: ['https://example.com/a.jpg'] });
    assert.deepEqual(order(withUrls, 0, 'photos').map((p) => p.name), ['urls', 'photos', 'videos', 'dir']);
    // Without a Pexels key there are no photos to ask for: the order is as it always was.
    const keyless = footageOrder({ urls: () => source('urls', video, 1, asked), pexels: null, pexelsPhotos: null, dir: source('dir', video, 9, asked) });
    assert.deepEqual(keyless(req, 0, 'both').map((p) => p.name), ['dir']);
  });

  it('videos: photos fill in only where video runs short, before anything repeats', async () => {
    const asked: string[] = [];
    const order = footageOrder({ urls: () => source('urls', video, 0, asked), pexels: source('videos', video, 2, asked), pexelsPhotos: source('photos', still, 9, asked), dir: null });
    const found = await findFootage(order(req, 0, 'videos'), want, '/tmp', new AbortController().signal, []);
    assert.deepEqual(asked, ['videos 4 16', 'photos 2 8']);
    assert.deepEqual(found.map((c) => (c.kind === 'file' ? c.id : '')), ['videos:0', 'videos:1', 'photos:0', 'photos:1']);
    asked.length = 0;
    const plenty = footageOrder({ urls: () => source('urls', video, 0, asked), pexels: source('videos', video, 9, asked), pexelsPhotos: source('photos', still, 9, asked), dir: null });
    await findFootage(plenty(req, 0), want, '/tmp', new AbortController().signal, []);
    assert.deepEqual(asked, ['videos 4 16'], 'enough video: no photo is searched');
  });

  it('both: half from each, searched at once and interleaved', async () => {
    const asked: string[] = [];
    const order = footageOrder({ urls: () => source('urls', video, 0, asked), pexels: source('videos', video, 9, asked), pexelsPhotos: source('photos', still, 9, asked), dir: null });
    const found = await findFootage(order(req, 0, 'both'), want, '/tmp', new AbortController().signal, []);
    assert.deepEqual(asked.sort(), ['photos 2 8', 'videos 2 8']);
    assert.deepEqual(found.map((c) => (c.kind === 'file' ? c.id : '')), ['videos:0', 'photos:0', 'videos:1', 'photos:1']);
    assert.ok(interleaved(source('a', video, 0, []), source('b', still, 0, [])).name === 'a+b');
  });

  it('gatherFootage searches every part with the media mode it is given', async () => {
    const seen: (MediaMode | undefined)[] = [];
    const parts = await planFootageParts(req, scriptForms(['Mountains at dawn.']));
    const setup: FootageSetup = {
      sources: (_r, _i, media) => {
        seen.push(media);
        return [source('photos', still, 9, [])];
      },
      generated: source('generated', video, 1, []),
      searchesPerVideo: 4,
      recentClips: async () => new Set(),
    };
    const got = await gatherFootage(setup, { spec: req, owner: null, parts, estimateS: 3, width: 1080, height: 1920, seed: 1, dir: '/tmp', signal: new AbortController().signal, warnings: [], media: 'photos' });
    assert.deepEqual(seen, ['photos']);
    assert.equal(got.clips[0]?.kind === 'file' && got.clips[0].still, 'jpeg');
  });
});
