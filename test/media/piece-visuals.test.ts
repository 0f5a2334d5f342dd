// How each piece is drawn, as the render plan holds it (issue 23), pure: motion from the seed on
// every piece (photos always), transitions that overlap pieces without moving them, a lead for a
// transition that crosses into a chunk, a scene's own transition and framing, key terms behind
// generated backgrounds' captions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Narration, Segment, SourceClip, WordTiming } from '../../functions/domain/media.ts';
import type { FootagePiece } from '../../functions/domain/task.ts';
import type { VisualSpec } from '../../functions/domain/visuals.ts';
import { describeMove } from '../../functions/media/motion.ts';
import { pieceVisuals, sceneStarts } from '../../functions/media/piece-visuals.ts';
import { planRender, type RenderPlan } from '../../functions/media/render-plan.ts';
import { renderSpec } from '../support/render.ts';

const frame = { width: 180, height: 320 };
const words: WordTiming[] = Array.from({ length: 12 }, (_, i) => ({ text: `w${i}`, start: 0.1 + i / 2, end: 0.5 + i / 2 }));
/** Two scenes (the footage pieces below): the second starts at 3 s. */
const narration: Narration = { audioPath: '/v.wav', durationS: 6, words, sentenceEnds: [12] };
const clips: SourceClip[] = [
  { kind: 'file', path: '/a.mp4', durationS: 8, width: 320, height: 180, credit: null },
  { kind: 'file', path: '/p.png', durationS: 5, width: 400, height: 600, credit: null, still: 'png' },
  { kind: 'generated', lavfi: 'color', durationS: 60, credit: null },
];
const segments: Segment[] = [
  { clip: 0, sourceStart: 0, duration: 1.5, start: 0 },
  { clip: 1, sourceStart: 0, duration: 1.5, start: 1.5 },
  { clip: 2, sourceStart: 0, duration: 1.5, start: 3 },
  { clip: 0, sourceStart: 2, duration: 1.5, start: 4.5 },
];
const pieces: FootagePiece[] = [
  { start_s: 0, end_s: 3, text: '', search_terms: ['ocean'], query: 'ocean', found_by: [] },
  { start_s: 3, end_s: 6, text: '', search_terms: [], query: 'deep sea fish', found_by: [] },
];
const visuals = (v: Partial<VisualSpec> = {}): VisualSpec => ({ motion: 'subtle', transition: { type: 'fade', durationS: 0.4 }, framing: 'blur', media: 'videos', backgroundText: null, ...v });

function plan(v: Partial<VisualSpec> = {}, o: { seed?: number; parallel?: number; scenes?: object[] } = {}): RenderPlan {
  const scenes = (o.scenes ?? [{}, {}]).map((s) => ({ text: 'x', ...s }));
  return planRender({ ...renderSpec([frame], false), visuals: visuals(v), seed: o.seed ?? 1, scenes }, narration, { segments, music: null, clips, pieces }, { parallel: o.parallel ?? 4 });
}
const piecesOf = (p: RenderPlan) => p.outputs[0]!.chunks.flatMap((c) => c.pieces);

describe('piece visuals in the render plan', () => {
  it('every piece moves, is framed and joined as asked; the frames are those of the cuts', () => {
    const p = piecesOf(plan());
    assert.deepEqual(p.map((x) => x.frames), [45, 45, 45, 45]);
    assert.ok(p.every((x) => x.motion && x.framing === 'blur'));
    assert.deepEqual(p.map((x) => x.enter?.frames ?? 0), [0, 12, 12, 12]);
    assert.deepEqual(p.map((x) => x.tail), [12, 12, 12, 0]);
    assert.equal(plan().durationS, plan({ transition: { type: 'cut', durationS: 0.4 }, motion: 'none', framing: 'cover' }).durationS);
  });
  it('a transition into a chunk makes the piece before it the chunk\'s lead', () => {
    const chunks = plan().outputs[0]!.chunks;
    assert.ok(chunks.length >= 2);
    const all = chunks.flatMap((c) => c.pieces);
    let at = 0;
    for (const c of chunks) {
      assert.deepEqual(c.lead ?? null, at === 0 ? null : all[at - 1]);
      at += c.pieces.length;
    }
  });
  it('the seed varies the moves; the same seed plans the same', () => {
    const moves = (seed: number) => JSON.stringify(piecesOf(plan({}, { seed })).map((x) => x.motion));
    assert.equal(moves(1), moves(1));
    assert.notEqual(moves(1), moves(2));
  });
  it('photos move even with motion none; video and generated pieces then do not', () => {
    const p = piecesOf(plan({ motion: 'none' }));
    assert.deepEqual(p.map((x) => Boolean(x.motion)), [false, true, false, false]);
    assert.equal(p[1]!.still, true);
  });
  it("a scene's own transition and framing apply to its pieces", () => {
    const p = piecesOf(plan({}, { scenes: [{}, { transition: { type: 'whip', durationS: 0.2 }, framing: 'cover' }] }));
    assert.deepEqual(p.map((x) => x.enter?.type ?? 'cut'), ['cut', 'fade', 'whip', 'whip']);
    assert.deepEqual(p.map((x) => x.framing), ['blur', 'blur', 'cover', 'cover']);
    assert.deepEqual(p.map((x) => x.enter?.frames ?? 0), [0, 12, 6, 6]);
  });
  it('a piece too short for the transition gets a shorter one, each piece clear for half its frames', () => {
    const p = piecesOf(plan({ transition: { type: 'slide', durationS: 1.5 } }));
    assert.deepEqual(p.map((x) => x.enter?.frames ?? 0), [0, 22, 22, 22]);
  });
  it('key terms behind generated backgrounds by default, behind every piece when asked, never when off', () => {
    assert.deepEqual(piecesOf(plan()).map((x) => x.text?.term ?? null), [null, null, 'deep', null]);
    assert.deepEqual(piecesOf(plan({ backgroundText: true })).map((x) => x.text?.term ?? null), ['ocean', 'ocean', 'deep', 'deep']);
    assert.ok(piecesOf(plan({ backgroundText: false })).every((x) => !x.text));
  });
  it('is data: stored as JSON and read back, the same plan', () => {
    const p = plan();
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
  });
  it("a storyboard's pieces say in words what the render plans for them", () => {
    const p = plan({}, { scenes: [{}, { transition: { type: 'whip', durationS: 0.2 }, framing: 'cover' }] });
    const words = pieceVisuals(segments, {
      visuals: visuals(),
      seed: 1,
      clips,
      scenes: [{}, { transition: { type: 'whip', durationS: 0.2 }, framing: 'cover' }],
      sceneStartsS: sceneStarts(pieces, 2),
      footage: pieces,
      generatedSize: frame,
    });
    assert.deepEqual(words, piecesOf(p).map((x) => ({ motion: describeMove(x.motion ?? null), transition: x.enter ? { type: x.enter.type, duration_s: Math.round((x.enter.frames / 30) * 1000) / 1000 } : null, framing: x.framing })));
    assert.deepEqual(words.map((w) => w.transition), [null, { type: 'fade', duration_s: 0.4 }, { type: 'whip', duration_s: 0.2 }, { type: 'whip', duration_s: 0.2 }]);
    assert.ok(words.every((w) => w.motion && /^(zoom-in|zoom-out|pan-(left|right|up|down))$/.test(w.motion)));
  });
  it('moves in words', () => {
    const v = (zoom: number, x = 0.5, y = 0.5) => ({ zoom, x, y });
    assert.equal(describeMove({ from: v(1.05), to: v(1.12, 0.52) }), 'zoom-in');
    assert.equal(describeMove({ from: v(1.12, 0.4), to: v(1.05) }), 'zoom-out');
    assert.equal(describeMove({ from: v(1.1, 0.55), to: v(1.1, 0.45) }), 'pan-left');
    assert.equal(describeMove({ from: v(1.1, 0.5, 0.45), to: v(1.1, 0.5, 0.55) }), 'pan-down');
    assert.equal(describeMove(null), null);
  });
  it('without visuals in the spec, pieces are plain cuts as before', () => {
    const p = planRender(renderSpec([frame], false), narration, { segments, music: null }, { parallel: 4 });
    assert.ok(piecesOf(p).every((x) => x.motion === undefined && x.enter === undefined));
  });
});
