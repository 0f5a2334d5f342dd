import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { absorbFlashes, cutPoints, MAX_PIECES, MIN_PIECE_S, MIN_RENDER_PIECE_S, planTimeline, type TimelineInput } from '../../functions/pipeline/timeline.ts';
import type { Segment, WordTiming } from '../../functions/domain/media.ts';

/** Words of `sentences` spoken at `wordS` each with `gapS` pauses (longer between sentences). */
function speak(sentences: string[], wordS = 0.4, gapS = 0.05, sentenceGapS = 0.4) {
  const words: WordTiming[] = [];
  const sentenceEnds: number[] = [];
  let t = 0.2;
  for (const s of sentences) {
    for (const w of s.split(' ')) {
      words.push({ text: w, start: t, end: t + wordS });
      t += wordS + gapS;
    }
    sentenceEnds.push(words.length);
    t += sentenceGapS;
  }
  return { words, sentenceEnds, durationS: Math.round((t + 0.1) * 1000) / 1000 };
}

function check(input: TimelineInput, segs: Segment[], opts: { looped?: boolean } = {}) {
  assert.ok(segs.length > 0);
  let t = 0;
  for (const s of segs) {
    assert.ok(Math.abs(s.start - t) < 1e-9, `contiguous at ${t}: ${JSON.stringify(segs)}`);
    assert.ok(s.duration > 0);
    assert.ok(s.sourceStart >= 0);
    const src = input.clips[s.clip]!.durationS;
    if (!opts.looped) assert.ok(s.sourceStart + s.duration <= src + 1e-9, `piece never longer than its source: ${JSON.stringify(s)} (source ${src})`);
    t = s.start + s.duration;
  }
  assert.ok(Math.abs(t - input.durationS) < 1e-9, `covers [0, ${input.durationS}], ends at ${t}`);
  for (let i = 1; i < segs.length; i++) {
    const [a, b] = [segs[i - 1]!, segs[i]!];
    assert.ok(a.clip !== b.clip || Math.abs(a.sourceStart - b.sourceStart) > 1e-6, `the same span twice in a row: ${JSON.stringify(segs)}`);
  }
}

const longClips = (n: number, d = 30) => Array.from({ length: n }, () => ({ durationS: d }));
const sentenceTimes = (words: WordTiming[], ends: number[], dur: number) =>
  cutPoints(words, ends, dur).filter((p) => p.tier === 'sentence').map((p) => p.t);

describe('cutPoints', () => {
  it('classifies sentence ends, clause marks and word gaps, cutting mid-pause', () => {
    const words: WordTiming[] = [
      { text: 'Hello,', start: 0, end: 0.5 },
      { text: 'world.', start: 0.7, end: 1.2 },
      { text: 'Again', start: 1.6, end: 2 },
      { text: 'now', start: 2.1, end: 2.4 },
      { text: '你好，', start: 2.5, end: 3 },
      { text: 'end', start: 3.2, end: 3.5 },
    ];
    const pts = cutPoints(words, [2, 6], 4);
    assert.deepEqual(
      pts.map((p) => [Math.round(p.t * 100) / 100, p.tier]),
      [
        [0.6, 'clause'],
        [1.4, 'sentence'],
        [2.05, 'word'],
        [2.45, 'word'],
        [3.1, 'clause'],
      ],
    );
  });
  it('tolerates overlapping timings', () => {
    const pts = cutPoints(
      [
        { text: 'a', start: 0, end: 1 },
        { text: 'b', start: 0.8, end: 2 },
      ],
      [2],
      2,
    );
    assert.ok(pts[0]!.t >= 0.8 && pts[0]!.t <= 1);
  });
});

describe('planTimeline', () => {
  it('one clip per sentence group, cuts exactly on sentence boundaries', () => {
    const n = speak(['one two three four five six', 'seven eight nine ten eleven twelve', 'a b c d e f', 'g h i j k l']);
    const input = { ...n, clips: longClips(4) };
    const segs = planTimeline(input);
    check(input, segs);
    assert.equal(segs.length, 4);
    const bounds = sentenceTimes(n.words, n.sentenceEnds, n.durationS).map((t) => Math.round(t * 1000) / 1000);
    for (const s of segs.slice(1)) assert.ok(bounds.includes(s.start), `cut ${s.start} on a sentence boundary ${bounds}`);
    assert.deepEqual(new Set(segs.map((s) => s.clip)).size, 4, 'no clip repeats');
  });

  it('fewer clips than sentences: each clip covers several sentences, no repeats', () => {
    const n = speak(['a b c', 'd e f', 'g h i', 'j k l', 'm n o', 'p q r']);
    const input = { ...n, clips: longClips(2) };
    const segs = planTimeline(input);
    check(input, segs);
    assert.equal(segs.length, 2);
    assert.notEqual(segs[0]!.clip, segs[1]!.clip);
    const bounds = sentenceTimes(n.words, n.sentenceEnds, n.durationS).map((t) => Math.round(t * 1000) / 1000);
    assert.ok(bounds.includes(segs[1]!.start));
  });

  it('more clips than fit: never a piece shorter than the minimum', () => {
    const n = speak(['a b c', 'd e f', 'g h i', 'j k l']);
    const input = { ...n, clips: longClips(20) };
    const segs = planTimeline(input);
    check(input, segs);
    for (const s of segs) assert.ok(s.duration >= MIN_PIECE_S - 1e-9, `piece ${s.duration}`);
    assert.equal(new Set(segs.map((s) => s.clip)).size, segs.length);
  });

  it('a video shorter than the minimum is one piece', () => {
    const n = { words: [{ text: 'Hi.', start: 0.1, end: 0.6 }], sentenceEnds: [1], durationS: 0.9 };
    const input = { ...n, clips: longClips(3) };
    const segs = planTimeline(input);
    check(input, segs);
    assert.equal(segs.length, 1);
    assert.equal(segs[0]!.duration, 0.9);
  });

  it('a source too short for its sentences is chained with another clip, not frozen', () => {
    const n = speak(['one two three four five six seven eight nine ten eleven twelve']); // ~5.8 s
    const input = { ...n, clips: [{ durationS: 2.5 }, { durationS: 2.5 }, { durationS: 2.5 }] };
    const segs = planTimeline(input);
    check(input, segs);
    assert.ok(segs.length >= 3);
    assert.equal(new Set(segs.map((s) => s.clip)).size, 3, 'three different sources chained');
    for (const s of segs) assert.ok(s.duration >= MIN_PIECE_S - 1e-9);
  });

  it('too few clips: repeats, but never the same clip back to back', () => {
    const n = speak(Array.from({ length: 8 }, () => 'the quick brown fox jumps over')); // ~24 s
    const input = { ...n, clips: [{ durationS: 4 }, { durationS: 5 }] };
    const segs = planTimeline(input);
    check(input, segs);
    for (let i = 1; i < segs.length; i++) assert.notEqual(segs[i]!.clip, segs[i - 1]!.clip, 'no back-to-back repeat');
    for (const s of segs.slice(0, -1)) assert.ok(s.duration >= MIN_PIECE_S - 1e-9);
  });

  it('a single short clip loops by repetition (the only option), each piece within the source', () => {
    const n = speak(['a b c d e f g h i j']);
    const input = { ...n, clips: [{ durationS: 2 }] };
    const segs = planTimeline(input);
    check(input, segs);
    assert.ok(segs.every((s) => s.clip === 0));
  });

  it('prefers a clip long enough for the whole piece over chaining', () => {
    const n = speak(['a b c d e f g h', 'i j k l m n o p']);
    const input = { ...n, clips: [{ durationS: 1 }, { durationS: 20 }, { durationS: 20 }] };
    const segs = planTimeline(input);
    check(input, segs);
    assert.ok(segs.every((s) => s.clip !== 0), JSON.stringify(segs));
  });

  it('one long sentence with clauses: cuts on clause marks rather than mid-phrase', () => {
    const text = 'the first part is here, then a second part follows, after that a third part, and the final part ends';
    const n = speak([text]);
    const input = { ...n, clips: longClips(4) };
    const segs = planTimeline(input);
    check(input, segs);
    assert.equal(segs.length, 4, JSON.stringify({ segs, pts: cutPoints(n.words, n.sentenceEnds, n.durationS) }));
    const clauses = cutPoints(n.words, n.sentenceEnds, n.durationS).filter((p) => p.tier === 'clause').map((p) => Math.round(p.t * 1000) / 1000);
    for (const s of segs.slice(1)) assert.ok(clauses.includes(s.start), `${s.start} on a clause mark ${clauses}`);
  });

  it('no words at all still covers the narration', () => {
    const input = { words: [], sentenceEnds: [], durationS: 7.5, clips: longClips(3) };
    const segs = planTimeline(input);
    check(input, segs);
  });

  it('scenes: each scene plays only its own clips within its own span', () => {
    const n = speak(['scene one talks here', 'still scene one now', 'scene two starts here', 'and two ends now']);
    const bounds = sentenceTimes(n.words, n.sentenceEnds, n.durationS);
    const mid = bounds[1]!;
    const input = {
      ...n,
      clips: longClips(4),
      scenes: [
        { startS: 0, endS: mid, clipIndices: [0, 1] },
        { startS: mid, endS: n.durationS, clipIndices: [2, 3] },
      ],
    };
    const segs = planTimeline(input);
    check(input, segs);
    for (const s of segs) {
      const inFirst = s.start + s.duration <= mid + 0.001;
      assert.ok(inFirst ? [0, 1].includes(s.clip) : [2, 3].includes(s.clip) && s.start >= mid - 0.001, JSON.stringify(s));
    }
    assert.ok(segs.some((s) => Math.abs(s.start - mid) < 0.001), 'a cut at the scene boundary');
  });

  it('scenes: a scene without clips borrows, a too-short scene merges into its neighbour', () => {
    const n = speak(['long first scene with many words in it', 'tiny', 'third scene also has words']);
    const b = sentenceTimes(n.words, n.sentenceEnds, n.durationS);
    const input = {
      ...n,
      clips: longClips(3),
      scenes: [
        { startS: 0, endS: b[0]!, clipIndices: [0] },
        { startS: b[0]!, endS: b[1]!, clipIndices: [1] },
        { startS: b[1]!, endS: n.durationS, clipIndices: [] },
      ],
    };
    const segs = planTimeline(input);
    check(input, segs);
    for (const s of segs) assert.ok(s.duration >= MIN_PIECE_S - 1e-9, JSON.stringify(segs));
  });

  it('the same seed gives the same plan; source starts vary within the slack', () => {
    const n = speak(['a b c d', 'e f g h', 'i j k l']);
    const input = { ...n, clips: longClips(3, 60), seed: 42 };
    assert.deepEqual(planTimeline(input), planTimeline(input));
    const other = planTimeline({ ...input, seed: 7 });
    check(input, other);
    assert.notDeepEqual(planTimeline(input).map((s) => s.sourceStart), other.map((s) => s.sourceStart));
  });

  it('long-GOP sources: every piece starts on a keyframe (rounded up to the ms, where -ss lands on it), still varied by the seed', () => {
    const n = speak(['a b c d', 'e f g h', 'i j k l', 'm n o p', 'q r s t', 'u v w x']);
    // 24 fps with a keyframe every 250 frames, as stock files often are; a clip without an index keeps the old rule.
    const gop = (d: number) => Array.from({ length: Math.ceil((d * 24) / 250) }, (_, i) => (i * 250) / 24);
    const clips = [40, 35, 30, 45, 38].map((d) => ({ durationS: d, keyframesS: gop(d) }));
    const starts = new Set<number>();
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const input: TimelineInput = { ...n, clips, seed };
      const segs = planTimeline(input);
      check(input, segs);
      assert.deepEqual(segs, planTimeline(input), 'deterministic');
      for (const s of segs) {
        const k = clips[s.clip]!.keyframesS.find((x) => Math.abs(x - s.sourceStart) < 0.001);
        assert.ok(k !== undefined, `piece starts on a keyframe: ${JSON.stringify(s)}`);
        assert.equal(s.sourceStart, Math.ceil(k * 1000) / 1000, 'the keyframe time rounded up to the millisecond');
        starts.add(s.sourceStart);
      }
    }
    assert.ok([...starts].some((t) => t > 0), `not every piece opens its clip: ${[...starts].join(' ')}`);
  });

  it('with a keyframe every frame the plan is the one without keyframes, to the frame', () => {
    const n = speak(['a b c d', 'e f g h', 'i j k l']);
    const plain: TimelineInput = { ...n, clips: longClips(3, 60), seed: 42 };
    const everyFrame: TimelineInput = { ...plain, clips: plain.clips.map((c) => ({ ...c, keyframesS: Array.from({ length: 60 * 30 }, (_, i) => i / 30) })) };
    const a = planTimeline(plain);
    const b = planTimeline(everyFrame);
    assert.equal(a.length, b.length);
    a.forEach((s, i) => {
      assert.equal(b[i]!.clip, s.clip);
      assert.ok(Math.abs(b[i]!.sourceStart - s.sourceStart) <= 1 / 60 + 0.001, `${s.sourceStart} vs ${b[i]!.sourceStart}`);
    });
  });

  it('footage running short on long-GOP sources: a clip shown again goes on from a keyframe when one leaves room', () => {
    const sentences = Array.from({ length: 16 }, (_, i) => `s${i} one two three four five`);
    const n = speak(sentences, 0.4, 0.05, 0.33);
    const keys = [0, 4, 8, 12, 16];
    const input: TimelineInput = { ...n, clips: Array.from({ length: 4 }, () => ({ durationS: 20, keyframesS: keys })), seed: 3 };
    const segs = planTimeline(input);
    check(input, segs);
    const spans = segs.map((s) => `${s.clip}@${s.sourceStart}`);
    assert.equal(new Set(spans).size, spans.length, `never the same span twice: ${spans.join(' ')}`);
    const onKey = segs.filter((s) => keys.includes(s.sourceStart)).length;
    assert.ok(onKey >= segs.length - 1, `pieces on keyframes: ${spans.join(' ')}`);
  });

  it('a very long narration over short sources stays within the cap of pieces, looping the sources', () => {
    const sentences = Array.from({ length: 400 }, (_, i) => `sentence number ${i} has seven short words.`);
    const n = speak(sentences, 0.3, 0.05, 0.3);
    const input: TimelineInput = { ...n, clips: Array.from({ length: 30 }, () => ({ durationS: 1.2 })) };
    const segs = planTimeline(input);
    assert.ok(n.durationS > 900, `${n.durationS} s of narration`);
    assert.ok(segs.length <= MAX_PIECES, `${segs.length} pieces`);
    assert.ok(segs.length > MAX_PIECES / 2, 'still many cuts');
    assert.ok(segs.every((s) => s.duration >= MIN_PIECE_S - 1e-6));
    check(input, segs, { looped: true });
  });

  it('pieces too short to show are absorbed by a neighbour, which starts earlier in its source to fit', () => {
    const segs = absorbFlashes(
      [
        { clip: 0, sourceStart: 0, duration: 0.1, start: 0 },
        { clip: 1, sourceStart: 2, duration: 3, start: 0.1 },
        { clip: 2, sourceStart: 0, duration: 0.2, start: 3.1 },
        { clip: 0, sourceStart: 1, duration: 2, start: 3.3 },
      ],
      [5, 5.05, 5],
    );
    assert.deepEqual(segs, [
      { clip: 1, sourceStart: 1.7, duration: 3.3, start: 0 },
      { clip: 0, sourceStart: 1, duration: 2, start: 3.3 },
    ]);
    assert.ok(segs.every((s) => s.duration >= MIN_RENDER_PIECE_S));
    // With the keyframes known, the earlier start is the keyframe before the place it must reach.
    const keyed = absorbFlashes([{ clip: 1, sourceStart: 2, duration: 3, start: 0 }, { clip: 2, sourceStart: 0, duration: 0.2, start: 3 }], [5, 5.05, 5], [null, [0, 1.2, 2.4], null]);
    assert.deepEqual(keyed, [{ clip: 1, sourceStart: 1.2, duration: 3.2, start: 0 }]);
  });

  it('rejects impossible input', () => {
    assert.throws(() => planTimeline({ words: [], sentenceEnds: [], durationS: 0, clips: longClips(1) }), /no duration/);
    assert.throws(() => planTimeline({ words: [], sentenceEnds: [], durationS: 3, clips: [] }), /no clips/);
    assert.throws(() => planTimeline({ words: [], sentenceEnds: [], durationS: 3, clips: [{ durationS: 0.1 }] }), /shorter than 0.2/);
  });

  it('footage running short: other spans of the chosen clips, never the same span twice in a row', () => {
    // Four clips of 10.5 s for 48.7 s of speech, as a new user saw with four portrait results.
    const sentences = Array.from({ length: 16 }, (_, i) => `s${i} one two three four five`);
    const n = speak(sentences, 0.4, 0.05, 0.33);
    assert.ok(n.durationS > 48 && n.durationS < 50, String(n.durationS));
    const input: TimelineInput = { ...n, clips: longClips(4, 10.5), seed: 3 };
    const segs = planTimeline(input);
    check(input, segs);
    const spans = segs.map((s) => `${s.clip}@${s.sourceStart}`);
    assert.equal(new Set(segs.map((s) => s.clip)).size, 4);
    assert.ok(segs.some((s, i) => segs.findIndex((o) => o.clip === s.clip) < i), 'some clip is shown again');
    assert.equal(new Set(spans).size, spans.length, `a clip shown again shows another part of itself: ${spans.join(' ')}`);
    // One clip for everything: it keeps going, never restarting where it just was.
    const one: TimelineInput = { ...n, clips: [{ durationS: 5 }], seed: 1 };
    check(one, planTimeline(one));
  });

  it('randomised: invariants hold for many shapes', () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let run = 0; run < 300; run++) {
      const sentences = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () =>
        Array.from({ length: 1 + Math.floor(rnd() * 14) }, (_, i) => (rnd() < 0.15 ? `w${i},` : `w${i}`)).join(' '),
      );
      const n = speak(sentences, 0.15 + rnd() * 0.4, rnd() * 0.1, rnd() * 0.6);
      const clips = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => ({ durationS: 0.3 + rnd() * 12 }));
      const useScenes = rnd() < 0.4 && n.sentenceEnds.length > 1;
      let scenes: TimelineInput['scenes'];
      if (useScenes) {
        const cut = sentenceTimes(n.words, n.sentenceEnds, n.durationS)[0]!;
        const half = Math.ceil(clips.length / 2);
        scenes = [
          { startS: 0, endS: cut, clipIndices: clips.slice(0, half).map((_, i) => i) },
          { startS: cut, endS: n.durationS, clipIndices: clips.slice(half).map((_, i) => i + half) },
        ];
      }
      const input: TimelineInput = { ...n, clips, seed: run, ...(scenes ? { scenes } : {}) };
      const segs = planTimeline(input);
      check(input, segs);
      // Short pieces only where the sources themselves force them.
      const allLong = clips.every((c) => c.durationS >= 2 * MIN_PIECE_S + 0.1);
      const enoughMaterial = clips.reduce((s, c) => s + c.durationS, 0) >= n.durationS;
      if (allLong && enoughMaterial && n.durationS >= MIN_PIECE_S * 2 && !scenes) {
        for (const s of segs) assert.ok(s.duration >= MIN_PIECE_S - 1e-6, `run ${run}: ${JSON.stringify(segs)} clips ${JSON.stringify(clips)}`);
      }
    }
  });
});
