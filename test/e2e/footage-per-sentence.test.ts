// A four-sentence script with no scenes is searched per sentence (the fake Pexels' request log and
// the task result show it), and submitting it again picks other clips (freshness across videos),
// asking Pexels nothing new (searches are cached).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCatalog, type FakePexelsVideo } from '../fakes/index.ts';
import { pollUntilFinal, postJson } from '../support/http.ts';
import { withService } from '../support/with-service.ts';

const SCRIPT =
  'Coral reefs shelter a quarter of all marine species. Tokyo never sleeps under its bright neon signs. ' +
  'The Eiffel Tower grows a little every single summer. Desert dunes shift with the wind each night.';

/** Four portrait videos per subject (enough for two videos' worth of fresh clips), found only by queries that name it. */
function catalog(): FakePexelsVideo[] {
  const base = defaultCatalog().filter((v) => v.height > v.width);
  const subjects = ['coral', 'tokyo', 'eiffel', 'dunes', 'travel'];
  return subjects.flatMap((tag, s) =>
    [0, 1, 2, 3].map((k) => ({ ...base[(4 * s + k) % base.length]!, id: 2_000_000 + 10 * s + k, tags: [tag], pattern: 'color' as const, color: 'teal' })),
  );
}

describe('footage per sentence, fresh across videos', () => {
  const service = withService({ pexels: { videos: catalog() } });

  const submit = async () => {
    // No Ken Burns move (~40% of a render's CPU): the searches and the clips chosen are the point, not the picture.
    const res = await postJson(`${service.url}/v1/videos`, { script_text: SCRIPT, search_query: 'travel', resolution: '720p', captions: false, motion: 'none', seed: 42 });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const { final } = await pollUntilFinal(`${service.url}/v1/videos/${res.body.task_id}`);
    assert.equal(final.status, 'completed', JSON.stringify(final));
    return final;
  };

  it('searches each sentence on its own terms and records them per piece; a repeat picks other clips', async () => {
    const first = await submit();
    const queries = service.px.requests.filter((r) => r.path.endsWith('/search')).map((r) => r.query.query!);
    // Each sentence by its own nouns: the topic (search_query) is only their fallback.
    for (const subject of ['coral', 'tokyo', 'eiffel', 'dunes']) {
      assert.ok(queries.some((q) => q.includes(subject) && !q.includes('travel')), `a search for "${subject}" of its own: ${queries.join(' | ')}`);
    }
    const pieces = first.result.pieces as { text: string; search_terms: string[]; query: string; found_by: string[]; start_s: number; end_s: number }[];
    assert.equal(pieces.length, 4, JSON.stringify(pieces));
    assert.deepEqual(pieces.map((p) => p.search_terms[0]), ['coral reefs', 'tokyo', 'eiffel tower', 'desert dunes']);
    for (const p of pieces) {
      assert.deepEqual(p.found_by, [p.query]);
      assert.ok(p.end_s > p.start_s);
    }
    assert.equal(pieces[0]!.start_s, 0);
    assert.ok(Math.abs(pieces[3]!.end_s - first.result.duration_s) < 0.2);
    assert.deepEqual(first.warnings, []);

    const searchesBefore = service.px.requests.filter((r) => r.path.endsWith('/search')).length;
    const second = await submit();
    assert.equal(service.px.requests.filter((r) => r.path.endsWith('/search')).length, searchesBefore, 'the same searches come from the cache');
    const shown = (v: typeof first) => new Set((v.result.credits as { video_url: string }[]).map((c) => c.video_url));
    const a = shown(first);
    const b = shown(second);
    assert.ok(a.size >= 4 && b.size >= 4, `${a.size} and ${b.size} clips`);
    assert.deepEqual([...a].filter((u) => b.has(u)), [], 'the repeat shows none of the first video\'s clips');
  });
});
