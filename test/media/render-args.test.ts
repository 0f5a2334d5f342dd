import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SourceClip } from '../../functions/domain/media.ts';
import {
  renderArgs,
  filterGraph,
  inputArgs,
  pieceFilter,
  audioFilters,
  assFilter,
  coverCrop,
  segmentFrames,
  thumbnailArgs,
  fmt,
  DEFAULT_ENCODE,
  type RenderPlan,
} from '../../functions/media/render-args.ts';

const file = (path: string, durationS = 10): SourceClip => ({ kind: 'file', path, durationS, width: 1920, height: 1080, credit: null });
const gen: SourceClip = { kind: 'generated', lavfi: 'gradients=s=1080x1920:c0=0x112233:c1=0x445566:speed=0.01', durationS: 3600, credit: null };

const plan = (over: Partial<RenderPlan> = {}): RenderPlan => ({
  clips: [file('/t/a.mp4'), file('/t/b.mov'), gen],
  segments: [
    { clip: 0, sourceStart: 1.5, duration: 2.2, start: 0 },
    { clip: 1, sourceStart: 0, duration: 1.9, start: 2.2 },
    { clip: 2, sourceStart: 0, duration: 2.4, start: 4.1 },
  ],
  width: 1080,
  height: 1920,
  durationS: 6.5,
  voicePath: '/t/voice.wav',
  assFile: 'captions.ass',
  outputFile: 'output.mp4',
  ...over,
});

const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('segmentFrames', () => {
  it('rounds boundaries to the 30 fps grid so pieces sum to the whole', () => {
    const segs = plan().segments;
    const frames = segmentFrames(segs);
    assert.deepEqual(frames, [66, 57, 72]);
    assert.equal(frames.reduce((a, b) => a + b, 0), Math.round(6.5 * 30));
  });
  it('never drifts over many odd-length pieces', () => {
    const segs = Array.from({ length: 40 }, (_, i) => ({ clip: 0, sourceStart: 0, duration: 1.517, start: i * 1.517 }));
    const sum = segmentFrames(segs).reduce((a, b) => a + b, 0);
    assert.equal(sum, Math.round(40 * 1.517 * 30));
  });
});

describe('inputArgs', () => {
  it('file: seeks before -i and reads only a little past the piece', () => {
    assert.deepEqual(inputArgs(file('/t/a.mp4'), { clip: 0, sourceStart: 1.5, duration: 2.2, start: 0 }), [
      '-threads', '1', '-ss', '1.5', '-t', '2.7', '-i', '/t/a.mp4',
    ]);
  });
  it('file at the start: no -ss', () => {
    assert.deepEqual(inputArgs(file('/t/a.mp4'), { clip: 0, sourceStart: 0, duration: 2, start: 0 }), ['-threads', '1', '-t', '2.5', '-i', '/t/a.mp4']);
  });
  it('generated: a lavfi input bounded by -t', () => {
    assert.deepEqual(inputArgs(gen, { clip: 2, sourceStart: 0, duration: 2.4, start: 0 }), ['-f', 'lavfi', '-t', '2.9', '-i', gen.lavfi]);
  });
  it('paths with spaces, quotes and shell characters pass through untouched (argument arrays, no shell)', () => {
    const p = "/t/it's a $(clip) & more.mp4";
    assert.equal(after(inputArgs(file(p), { clip: 0, sourceStart: 0, duration: 1, start: 0 }), '-i'), p);
  });
});

describe('pieceFilter', () => {
  const f = pieceFilter(3, 66, 1080, 1920, 'p3');
  it('normalises timestamps and frame rate before scaling (VFR in, CFR out)', () => {
    assert.match(f, /^\[3:v:0\]setpts=PTS-STARTPTS,fps=30,crop=/);
  });
  it('centre-crops to the frame shape, then scales to the exact frame: no black bars', () => {
    assert.ok(f.includes(`fps=30,${coverCrop(1080, 1920)},scale=w=1080:h=1920,setsar=1`), f);
    assert.doesNotMatch(f, /(^|,)pad=/);
  });
  it('coverCrop: even width/height of the largest centred window with the frame aspect', () => {
    // Quoted, so the commas inside the expressions do not split the filter chain.
    assert.equal(coverCrop(1080, 1920), "crop=w='2*trunc(min(iw,ih*1080/1920)/2)':h='2*trunc(min(ih,iw*1920/1080)/2)'");
  });
  it('emits exactly the planned frame count, cloning the last frame only if the source runs short', () => {
    assert.match(f, /tpad=stop_mode=clone:stop=66,trim=end_frame=66,setpts=PTS-STARTPTS\[p3\]$/);
  });
});

describe('audioFilters', () => {
  it('voice only: resample, pad/trim to the narration, loudness to -14 LUFS', () => {
    const [a, ...rest] = audioFilters(4, null, 0, 6.5);
    assert.equal(rest.length, 0);
    assert.match(a!, /^\[4:a:0\]aresample=48000,.*apad=whole_dur=6\.5,atrim=duration=6\.5,loudnorm=I=-14:TP=-1\.5:LRA=11,aresample=48000,atrim=duration=6\.5\[aout\]$/);
  });
  it('with music: volume, trimmed, ducked by a sidechain keyed on the voice, mixed, then normalised', () => {
    const g = audioFilters(4, 5, 0.2, 6.5).join(';');
    assert.match(g, /\[4:a:0\].*asplit=2\[voice\]\[key\]/);
    assert.match(g, /\[5:a:0\]aresample=48000,.*atrim=duration=6\.5,volume=0\.2\[music\]/);
    assert.match(g, /\[music\]\[key\]sidechaincompress=[^;]*\[ducked\]/);
    assert.match(g, /\[voice\]\[ducked\]amix=inputs=2:duration=first:normalize=0,loudnorm=I=-14/);
  });
});

describe('assFilter', () => {
  it('takes a bare file name (ffmpeg runs in the task dir)', () => {
    assert.equal(assFilter('captions.ass'), 'ass=filename=captions.ass');
  });
  it('refuses anything that would need filter escaping', () => {
    for (const bad of ['/tmp/x.ass', "a'b.ass", 'a:b.ass', 'a,b.ass', 'a b.ass', '[x].ass']) assert.throws(() => assFilter(bad), /plain file name/);
  });
});

describe('filterGraph', () => {
  it('pieces → concat → captions → yuv420p, plus the audio chain', () => {
    const g = filterGraph(plan(), 3, null);
    const chains = g.split(';');
    assert.equal(chains.length, 5);
    assert.match(chains[0]!, /^\[0:v:0\].*\[p0\]$/);
    assert.match(chains[2]!, /^\[2:v:0\].*\[p2\]$/);
    assert.equal(chains[3], '[p0][p1][p2]concat=n=3:v=1:a=0,ass=filename=captions.ass,format=yuv420p[vout]');
    assert.match(chains[4]!, /^\[3:a:0\]/);
  });
  it('without captions there is no ass filter; one piece needs no concat', () => {
    const g = filterGraph(plan({ assFile: null, segments: [{ clip: 0, sourceStart: 0, duration: 6.5, start: 0 }] }), 1, null);
    assert.match(g, /\[p0\]null,format=yuv420p\[vout\]/);
    assert.doesNotMatch(g, /ass=|concat=/);
  });
});

describe('renderArgs', () => {
  it('inputs in segment order, then voice, then looped music', () => {
    const args = renderArgs(plan({ music: { path: '/t/music.mp3', volume: 0.3 } }));
    const inputs = args.flatMap((a, i) => (a === '-i' ? [args[i + 1]] : []));
    assert.deepEqual(inputs, ['/t/a.mp4', '/t/b.mov', gen.lavfi, '/t/voice.wav', '/t/music.mp3']);
    const m = args.indexOf('/t/music.mp3');
    assert.deepEqual(args.slice(m - 3, m + 1), ['-stream_loop', '-1', '-i', '/t/music.mp3']);
    assert.match(after(args, '-filter_complex')!, /\[3:a:0\].*\[4:a:0\]/s);
  });
  it('H.264 yuv420p + AAC, faststart, 30 fps, duration = narration, threads capped', () => {
    const args = renderArgs(plan());
    assert.equal(after(args, '-c:v'), 'libx264');
    assert.equal(after(args, '-preset'), DEFAULT_ENCODE.preset);
    assert.equal(after(args, '-crf'), String(DEFAULT_ENCODE.crf));
    assert.equal(after(args, '-pix_fmt'), 'yuv420p');
    assert.equal(after(args, '-c:a'), 'aac');
    assert.equal(after(args, '-ar'), '48000');
    assert.equal(after(args, '-movflags'), '+faststart');
    assert.equal(after(args, '-r'), '30');
    assert.equal(args[args.lastIndexOf('-t') + 1], '6.5', 'output duration');
    assert.equal(after(args, '-threads'), '1', 'decoder threads per input');
    assert.equal(args[args.lastIndexOf('-threads') + 1], '2', 'encoder threads');
    assert.equal(after(args, '-filter_complex_threads'), '1');
    assert.deepEqual(args.slice(-3), ['-f', 'mp4', 'output.mp4']);
    assert.equal(after(args, '-map'), '[vout]');
    assert.equal(args[args.lastIndexOf('-map') + 1], '[aout]');
  });
  it('preset and CRF are parameters', () => {
    const args = renderArgs(plan({ encode: { preset: 'ultrafast', crf: 28, threads: 1 } }));
    assert.equal(after(args, '-preset'), 'ultrafast');
    assert.equal(after(args, '-crf'), '28');
    assert.equal(args[args.lastIndexOf('-threads') + 1], '1');
  });
  it('rejects an empty plan or a segment pointing at no clip', () => {
    assert.throws(() => renderArgs(plan({ segments: [] })), /no segments/);
    assert.throws(() => renderArgs(plan({ segments: [{ clip: 9, sourceStart: 0, duration: 1, start: 0 }] })), /clip 9/);
  });
});

describe('thumbnailArgs and fmt', () => {
  it('one scaled JPEG frame from a seek point', () => {
    assert.deepEqual(thumbnailArgs('output.mp4', 1.25, 'thumbnail.jpg', 1080), [
      '-ss', '1.25', '-i', 'output.mp4', '-frames:v', '1', '-vf', 'scale=w=720:h=-2', '-q:v', '3', '-f', 'image2', 'thumbnail.jpg',
    ]);
    assert.equal(after(thumbnailArgs('o.mp4', 0, 't.jpg', 640), '-vf'), 'scale=w=640:h=-2');
  });
  it('fmt: milliseconds, no exponent', () => {
    assert.equal(fmt(1.23456), '1.235');
    assert.equal(fmt(0.0000001), '0');
    assert.equal(fmt(3), '3');
  });
});
