// planRender: a video's render as data, pure. What each output's chunks are, which caption events
// each chunk draws, how every chunk is encoded, and what the soundtrack is made of.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Narration, Segment, WordTiming } from '../../functions/domain/media.ts';
import type { CaptionOptions } from '../../functions/domain/video-request.ts';
import { SIDECAR_CAPTIONS } from '../../functions/domain/video-spec.ts';
import { assEventLine, assHead, assText } from '../../functions/media/captions/ass-document.ts';
import { buildCaptions } from '../../functions/media/captions/index.ts';
import { MIN_CHUNK_S, planChunks } from '../../functions/media/chunks.ts';
import { DEFAULT_ENCODE } from '../../functions/media/render-args.ts';
import { chunkSubtitles, planRender, type RenderPlan } from '../../functions/media/render-plan.ts';
import { TaskError } from '../../functions/errors.ts';
import { renderSpec } from '../support/render.ts';

/** Two words a second from 0.1 s, for `seconds`. */
function words(seconds: number): WordTiming[] {
  return Array.from({ length: Math.floor(seconds * 2) - 1 }, (_, i) => ({ text: `word${i}${i % 6 === 5 ? '.' : ''}`, start: 0.1 + i / 2, end: 0.1 + i / 2 + 0.4 }));
}
const narrationOf = (seconds: number, ws = words(seconds)): Narration => ({ audioPath: '/scratch/voice.wav', durationS: seconds, words: ws, sentenceEnds: [ws.length] });
/** Back-to-back pieces of these lengths from alternating clips. */
function segments(...lengths: number[]): Segment[] {
  let at = 0;
  return lengths.map((d, i) => {
    const s = { clip: i % 2, sourceStart: i / 4, duration: d, start: at };
    at += d;
    return s;
  });
}
const look: CaptionOptions = { style: 'word-highlight', position: 'bottom', font_size: 1, max_words_per_line: 4 };
const tall = { width: 360, height: 640 };
const wide = { width: 640, height: 360 };
const timeline = segments(2.5, 3, 2, 4, 1.5);
const nar = narrationOf(13);

describe('planRender', () => {
  const plan = planRender(renderSpec([tall, wide], look), nar, { segments: timeline, music: { path: '/m.mp3', volume: 0.3 } }, { parallel: 2 });

  it('every output gets the same chunks of the timeline, in a folder of its own, with its spec', () => {
    const chunks = planChunks(timeline, { parallel: 2 });
    assert.equal(plan.outputs.length, 2);
    for (const o of plan.outputs) assert.deepEqual(o.chunks.map(({ events: _e, ...c }) => c), chunks);
    assert.deepEqual(plan.outputs.map((o) => [o.folder, o.output.frame, o.output.label]), [['', tall, null], ['output-1/', wide, 'output1']]);
    assert.equal(plan.durationS, 13);
  });

  it('the soundtrack once: the narration, the music under it', () => {
    assert.deepEqual(plan.soundtrack, { voicePath: '/scratch/voice.wav', voiceNormalised: false, music: { path: '/m.mp3', volume: 0.3 } });
    const voiced = planRender(renderSpec([tall], false), nar, { segments: timeline, music: null }, { parallel: 2, voiceNormalised: true });
    assert.deepEqual(voiced.soundtrack, { voicePath: '/scratch/voice.wav', voiceNormalised: true, music: null });
  });

  it('one set of encoder settings for every chunk; a video with fewer chunks than slots gets the rest as threads', () => {
    assert.deepEqual(plan.encode, DEFAULT_ENCODE);
    const one = planRender(renderSpec([tall], look), narrationOf(2), { segments: segments(2), music: null }, { parallel: 4 });
    assert.equal(one.outputs[0]!.chunks.length, 1);
    assert.equal(one.encode.threads, 4);
    const fixed = planRender(renderSpec([tall], look), narrationOf(2), { segments: segments(2), music: null }, { parallel: 4, encode: { threads: 1, preset: 'ultrafast', crf: 28 } });
    assert.deepEqual(fixed.encode, { ...DEFAULT_ENCODE, threads: 1, preset: 'ultrafast', crf: 28 });
  });

  it('a short video is one chunk encoded on every core; a long one is a chunk per core', () => {
    // Three seconds on two cores: a second chunk would be shorter than MIN_CHUNK_S.
    const short = planRender(renderSpec([tall], look), narrationOf(3), { segments: segments(1.5, 1.5), music: null }, { parallel: 2 });
    assert.ok(3 / 2 < MIN_CHUNK_S);
    assert.deepEqual([short.outputs[0]!.chunks.length, short.encode.threads], [1, 2]);
    // Four seconds on four cores: two chunks of two threads each.
    const four = planRender(renderSpec([tall], look), narrationOf(4), { segments: segments(1, 1, 1, 1), music: null }, { parallel: 4 });
    assert.deepEqual([four.outputs[0]!.chunks.map((c) => c.frames), four.encode.threads], [[60, 60], 2]);
    // Thirteen seconds on two cores: every core a chunk of its own, one thread each.
    assert.ok(plan.outputs[0]!.chunks.length >= 2);
    assert.equal(plan.encode.threads, 1);
    // A fan-out's plan (four slots, one thread per chunk) follows the same rule: a short video is one delivery.
    const fanned = planRender(renderSpec([tall], look), narrationOf(3), { segments: segments(1.5, 1.5), music: null }, { parallel: 4, encode: { threads: 1 } });
    assert.deepEqual([fanned.outputs[0]!.chunks.length, fanned.encode.threads], [1, 1]);
  });

  it('each chunk draws the caption events of its span; one across a join is in both chunks', () => {
    for (const [i, o] of plan.outputs.entries()) {
      const part = buildCaptions(nar.words, nar.sentenceEnds, nar.durationS, look, o.output.frame)!.part;
      const whole = { head: assHead(o.output.frame, [part]), events: part.events.map((e) => ({ ...e, line: assEventLine(e) })) };
      assert.equal(o.subtitles, whole.head, `output ${i}: the script's head`);
      assert.match(o.subtitles!, new RegExp(`PlayResX: ${o.output.frame.width}\nPlayResY: ${o.output.frame.height}`), 'laid out for its own frame');
      for (const c of o.chunks) {
        const [from, to] = [c.startFrame / 30, (c.startFrame + c.frames) / 30];
        const shown = whole.events.filter((e) => e.startCs / 100 < to && e.endCs / 100 > from).map((e) => e.line);
        // Every event shown in the span is drawn, and nothing further than a frame from it.
        assert.ok(shown.every((l) => c.events.includes(l)), `chunk ${c.index}: every event of its span`);
        const far = whole.events.filter((e) => e.startCs / 100 > to + 1 / 30 || e.endCs / 100 < from - 1 / 30).map((e) => e.line);
        assert.ok(far.every((l) => !c.events.includes(l)), `chunk ${c.index}: nothing outside it`);
        assert.equal(chunkSubtitles(o, c), assText(whole.head, c.events));
      }
      // In the script's order, every event drawn by some chunk.
      const drawn = [...new Set(o.chunks.flatMap((c) => c.events))];
      assert.deepEqual(drawn, whole.events.map((e) => e.line));
      const joins = o.chunks.slice(1).map((c) => c.startFrame / 30);
      const across = whole.events.filter((e) => joins.some((t) => e.startCs / 100 < t && e.endCs / 100 > t));
      assert.ok(across.length > 0, 'the test has a caption across a join');
      for (const e of across) assert.equal(o.chunks.filter((c) => c.events.includes(e.line)).length >= 2, true, e.line);
    }
  });

  it('captions off: nothing burned in, the sidecars in the sidecar look', () => {
    const off = planRender(renderSpec([tall], false), nar, { segments: timeline, music: null }, { parallel: 2 });
    const o = off.outputs[0]!;
    assert.equal(o.subtitles, null);
    assert.ok(o.chunks.every((c) => c.events.length === 0 && chunkSubtitles(o, c) === null));
    const sidecar = buildCaptions(nar.words, nar.sentenceEnds, nar.durationS, SIDECAR_CAPTIONS, tall)!;
    assert.deepEqual(o.sidecars, { vtt: sidecar.vtt, srt: sidecar.srt });
  });

  it('sidecars are the burned-in lines; a narration without words has none', () => {
    const whole = buildCaptions(nar.words, nar.sentenceEnds, nar.durationS, look, tall)!;
    assert.deepEqual(plan.outputs[0]!.sidecars, { vtt: whole.vtt, srt: whole.srt });
    const silent = planRender(renderSpec([tall], look), narrationOf(3, []), { segments: segments(3), music: null }, { parallel: 1 });
    assert.deepEqual([silent.outputs[0]!.sidecars, silent.outputs[0]!.subtitles], [null, null]);
  });

  it('refuses a narration without duration and a timeline without frames', () => {
    const failed = (f: () => unknown, message: RegExp) => assert.throws(f, (e: unknown) => e instanceof TaskError && e.code === 'render_failed' && message.test(e.message));
    failed(() => planRender(renderSpec([tall], look), narrationOf(0, []), { segments: segments(1), music: null }, { parallel: 1 }), /no duration/);
    failed(() => planRender(renderSpec([tall], look), nar, { segments: [{ clip: 0, sourceStart: 0, duration: 0.001, start: 0 }], music: null }, { parallel: 1 }), /no frames/);
  });

  it('is data: stored as JSON and read back, it is the same plan', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(plan)) as RenderPlan, plan);
  });
});
