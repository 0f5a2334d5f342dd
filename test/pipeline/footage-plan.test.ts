// Footage per sentence group: the groups, their search terms, and where footage comes from when
// a part finds nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SourceClip } from '../../functions/domain/media.ts';
import { splitWords } from '../../functions/domain/text.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { videoSpec } from '../../functions/domain/video-spec.ts';
import { pieceQuery, searchTerms } from '../../functions/language/search-terms.ts';
import { scriptForms } from '../../functions/language/spoken-form.ts';
import { gatherFootage, planFootageParts, sentenceGroups, type FootageSetup } from '../../functions/pipeline/footage-plan.ts';
import type { FootageProvider, FootageRequest } from '../../functions/providers/ports.ts';

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
  it('named things and noun phrases, without stop words, filler or numbers, none repeating the topic', async () => {
    assert.deepEqual(await searchTerms('Coral reefs shelter a quarter of all marine species.', 'ocean'), ['coral reefs', 'marine species']);
    assert.deepEqual(await searchTerms('Tokyo never sleeps, and neon signs light up Shibuya crossing at midnight.', 'city'), ['tokyo', 'neon signs']);
    assert.deepEqual(await searchTerms('The Eiffel Tower grows 15 cm every summer.', 'paris'), ['eiffel tower', 'summer']);
    assert.deepEqual(await searchTerms('So, basically, you know, I think it is really just kind of important.', 'coffee'), []);
    assert.deepEqual(await searchTerms('The ocean is vast.', 'ocean'), []);
    assert.equal(pieceQuery(['coral reefs', 'marine species'], 'ocean'), 'coral reefs marine species ocean');
  });

  it('parts: one per sentence group, each with its terms and the topic to fall back on', async () => {
    const req = spec({ script_text: SCRIPT, search_query: 'nature facts' });
    const parts = await planFootageParts(req, scriptForms([SCRIPT], undefined));
    assert.equal(parts.length, 4);
    assert.deepEqual(parts[0], {
      text: 'Coral reefs shelter a quarter of all marine species.',
      sourceIndex: 0,
      terms: ['coral reefs', 'marine species'],
      query: 'coral reefs marine species nature facts',
      fallbacks: ['nature facts', 'nature'],
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
    assert.deepEqual(scenes.map((p) => [p.query, p.sourceIndex]), [['mountains', 0], ['rivers carve', 1]]);
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
    assert.deepEqual(asked[1]!.fallbacks, [parts[1]!.fallbacks![0], 'nature']);
  });

  it('nothing anywhere: generated backgrounds for the whole video, always with a warning', async () => {
    const parts = await planFootageParts(req, scriptForms([SCRIPT]));
    const warnings: string[] = [];
    const got = await gatherFootage(setup(provider(() => [])), opts(parts, warnings));
    assert.equal(got.clips[0]?.kind, 'generated');
    assert.equal(generatedAsked.length, 1);
    assert.match(warnings.join('\n'), /no footage was found for ".*"; the video uses generated backgrounds/);
  });
});
