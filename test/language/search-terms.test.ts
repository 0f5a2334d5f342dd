// Search terms that mean something: a table of scripts and the topic and queries they must
// produce. Nouns and named things are kept, each piece's own nouns come first, the topic joins
// only where a piece's own words are too thin, and filler is never searched.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { videoSpec } from '../../functions/domain/video-spec.ts';
import { pieceQuery, scriptTopic, searchTerms } from '../../functions/language/search-terms.ts';
import { scriptForms } from '../../functions/language/spoken-form.ts';
import { planFootageParts } from '../../functions/pipeline/footage-plan.ts';
import { frequentWords, topicFor } from '../../functions/pipeline/query.ts';

const OCEAN =
  'The deep ocean is darker than any night on land. Yet strange fish make their own light down there. ' +
  'Anglerfish dangle glowing lures to catch their prey. Some jellyfish flash blue when something touches them.';
const REEFS =
  'Coral reefs shelter a quarter of all marine species. Rising temperatures bleach them white. ' +
  'Tokyo never sleeps, and neon signs light up Shibuya crossing at midnight. The Eiffel Tower grows 15 cm every summer.';
const COFFEE =
  'Coffee keeps the world awake. Farmers in Ethiopia pick the ripe cherries by hand. ' +
  'Roasting turns the green beans brown. A good espresso takes about thirty seconds.';
const OCTOPUS =
  'Did you know that octopuses have three hearts? Two of them pump blood to the gills. ' +
  'The third keeps the rest of the body going. And their blood is blue, thanks to a copper-rich protein.';
const DESERT = 'Sand dunes move a few metres every year, grain by grain. The river carved this canyon over millions of years.';

/** Words that must never be searched: stop words, filler, vague modifiers, comparatives, numbers. */
const NEVER = /\b(some|any|their|own|darker|strange darker|yet|there|quarter|all|about|thirty|seconds|every|few|metres|basically|really|kind|lot|thing)\b/;

describe('the topic of a script', () => {
  const table: [string, string, string][] = [
    ['opens on its subject', OCEAN, 'deep ocean'],
    ['the first subject, not the most frequent word', REEFS, 'coral reefs'],
    ['a noun phrase, not adjectives', DESERT, 'sand dunes'],
    ['a noun the script is about', COFFEE, 'coffee'],
    ['the noun phrase its sentences keep coming back to', 'Bees dance. A bee tells the hive where the flowers are. Honey is what the bees make of it.', 'bees'],
    ['what it is about, not what is said of it ("their blood")', OCTOPUS, 'octopuses'],
    ['a named person', 'In 1969, Neil Armstrong stepped onto the Moon. Millions watched on television. The crew left a flag and their footprints.', 'neil armstrong'],
    ['a named thing', 'Everyone loves the view. From the top, Mount Fuji looks close enough to touch.', 'mount fuji'],
  ];
  for (const [what, script, topic] of table) {
    it(`${what}: "${topic}"`, async () => assert.equal(await scriptTopic(script), topic));
  }
  it('none from a script that names nothing; the request falls back to the generic topic', async () => {
    const filler = 'So, basically, you know, I think it is really just kind of important.';
    assert.equal(await scriptTopic(filler), null);
    assert.equal(await topicFor(undefined, filler, 'en'), 'nature');
  });
  it("the user's own search_query always wins", async () => {
    assert.equal(await topicFor('  deep sea ', OCEAN, 'en'), 'deep sea');
  });
  it('a script compromise cannot tag (not English) is searched by its most frequent words', async () => {
    const es = 'El océano profundo es oscuro. En el océano viven peces extraños. Los peces brillan en el océano.';
    assert.equal(await topicFor(undefined, es, 'es'), 'océano peces profundo');
    assert.equal(frequentWords('It is as it is.'), '');
  });
});

describe('the terms of a piece', () => {
  const table: [string, string[]][] = [
    ['The deep ocean is darker than any night on land.', ['deep ocean', 'night']],
    ['Yet strange fish make their own light down there.', ['strange fish', 'light']],
    ['Anglerfish dangle glowing lures to catch their prey.', ['anglerfish', 'glowing lures']],
    ['Some jellyfish flash blue when something touches them.', ['jellyfish']],
    ['Coral reefs shelter a quarter of all marine species.', ['coral reefs', 'marine species']],
    ['Rising temperatures bleach them white.', ['rising temperatures']],
    ['Tokyo never sleeps, and neon signs light up Shibuya crossing at midnight.', ['tokyo', 'shibuya crossing']],
    ['The Eiffel Tower grows 15 cm every summer.', ['eiffel tower', 'summer']],
    ['Sand dunes move a few metres every year, grain by grain.', ['sand dunes', 'grain']],
    ['Roasting turns the green beans brown.', ['green beans']],
    ['Coral reefs at dawn.', ['coral reefs', 'dawn']],
    ["Earth's oceans hold most of its water.", ['earth', 'oceans']],
    ['NASA launched the Artemis rocket from Florida in 2022.', ['nasa', 'artemis rocket']],
    ['Desert dunes shift with the wind each night.', ['desert dunes', 'wind']],
    ['Ocean waves crash against the rocks.', ['ocean waves', 'rocks']],
    ['Penguins huddle together against the cold.', ['penguins', 'cold']],
    ['Sea turtles at sunset.', ['sea turtles', 'sunset']],
    ['From the top, Mount Fuji looks close enough to touch.', ['mount fuji', 'top']],
    ['The dog eats its food.', ['dog', 'food']],
    ['Two of them pump blood to the gills.', ['blood', 'gills']],
    ['They left behind a plaque, an American flag and their footprints.', ['american flag', 'plaque']],
    ['So, basically, you know, I think it is really just kind of important.', []],
    ['Honestly, it is a lot of fun to think about.', []],
  ];
  for (const [text, terms] of table) {
    it(`${JSON.stringify(text)} → ${JSON.stringify(terms)}`, async () => {
      const got = await searchTerms(text);
      assert.deepEqual(got, terms);
      for (const t of got) assert.doesNotMatch(t, NEVER);
    });
  }
});

describe('the query of a piece', () => {
  it('its own terms first and whole; the topic only where they are too thin', () => {
    assert.equal(pieceQuery(['strange fish', 'light'], 'deep ocean'), 'strange fish light');
    assert.equal(pieceQuery(['coral reefs', 'marine species'], 'ocean'), 'coral reefs marine species');
    // A third term would pass four words: it is left out whole, not cut.
    assert.equal(pieceQuery(['eiffel tower', 'summer', 'city lights'], 'travel'), 'eiffel tower summer');
    assert.equal(pieceQuery(['fish'], 'deep ocean'), 'fish deep ocean');
    assert.equal(pieceQuery([], 'deep ocean'), 'deep ocean');
  });
});

describe('the searches of a video', () => {
  const parts = async (body: Record<string, unknown>, texts: string[]) => planFootageParts(videoSpec(VideoRequestSchema.parse(body), { seed: 1 }), scriptForms(texts));

  it('"The deep ocean is darker than any night on land. Yet strange fish…": each sentence searches its own nouns; "fish" is kept', async () => {
    const got = await parts({ script_text: OCEAN }, [OCEAN]);
    assert.deepEqual(
      got.map((p) => [p.query, p.fallbacks]),
      [
        ['deep ocean night', ['deep ocean', 'nature']],
        ['strange fish light', ['strange fish', 'deep ocean', 'nature']],
        ['anglerfish glowing lures', ['anglerfish', 'deep ocean', 'nature']],
        ['jellyfish deep ocean', ['jellyfish', 'deep ocean', 'nature']],
      ],
    );
    for (const p of got) {
      assert.doesNotMatch(p.query, NEVER);
      assert.notEqual(p.query, 'some strange darker');
    }
  });

  it('a piece with no nouns of its own searches the topic; one with a search of its own keeps it whole', async () => {
    const script = 'Volcanoes shape whole islands over time. Honestly, it is a lot of fun to think about. Lava cools into black rock along the shore.';
    const got = await parts({ script_text: script }, [script]);
    assert.deepEqual(got.map((p) => p.query), ['volcanoes islands', 'volcanoes', 'lava black rock']);
  });

  it("scenes searched \"mountains\" and \"river canyon\" keep the user's searches: no made-up topic", async () => {
    const texts = ['Mountains grow a few millimetres each year.', 'The river cuts its canyon grain by grain.'];
    const got = await parts({ scenes: [{ text: texts[0], search_query: 'mountains' }, { text: texts[1], search_query: 'river canyon' }] }, texts);
    assert.deepEqual(got.map((p) => [p.query, p.fallbacks]), [['mountains', undefined], ['river canyon', undefined]]);
    assert.ok(!got.some((p) => /grain|rivers/.test(p.query)));
  });

  it('a scene with no search of its own searches its nouns, the topic where they are thin', async () => {
    const texts = ['Mountains are old.', 'Rivers carve them.', 'Glaciers polish the granite walls of the valley.'];
    const got = await parts({ scenes: [{ text: texts[0], search_query: 'mountains' }, { text: texts[1] }, { text: texts[2] }] }, texts);
    assert.deepEqual(got.map((p) => p.query), ['mountains', 'rivers mountains', 'glaciers granite walls']);
  });
});
