// The chunked renderer's pure builders: what each ffmpeg command is asked to do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SourceClip } from '../../functions/domain/media.ts';
import {
  assembleArgs,
  assFilter,
  audioArgs,
  audioFilters,
  concatList,
  coverCrop,
  DEFAULT_ENCODE,
  fmt,
  inputArgs,
  thumbnailArgs,
} from '../../functions/media/render-args.ts';
import { chunkArgs, chunkFilterGraph } from '../../functions/media/chunk-video.ts';
import { planChunks, segmentFrames, type Chunk } from '../../functions/media/chunks.ts';

const file = (path: string, durationS = 10): SourceClip => ({ kind: 'file', path, durationS, width: 1920, height: 1080, credit: null });
const gen: SourceClip = { kind: 'generated', lavfi: 'gradients=s=1080x1920:c0=0x112233:c1=0x445566:speed=0.01', durationS: 3600, credit: null };

const clips = [file('/t/a.mp4'), file('/t/b.mov'), gen];
const segments = [
  { clip: 0, sourceStart: 1.5, duration: 2.2, start: 0 },
  { clip: 1, sourceStart: 0, duration: 1.9, start: 2.2 },
  { clip: 2, sourceStart: 0, duration: 2.4, start: 4.1 },
];
/** The three pieces in one chunk starting at frame 0, and the last piece alone starting at frame 123. */
const [whole] = planChunks(segments, { parallel: 1 }) as [Chunk];
const tail: Chunk = { index: 1, startFrame: 123, frames: 72, pieces: [{ clip: 2, sourceStart: 0, frames: 72 }] };
const frame = { width: 1080, height: 1920 };

const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('segmentFrames', () => {
  it('rounds boundaries to the 30 fps grid so pieces sum to the whole', () => {
    const frames = segmentFrames(segments);
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
    assert.deepEqual(inputArgs(file('/t/a.mp4'), { sourceStart: 1.5, duration: 2.2 }), [
      '-threads', '1', '-ss', '1.5', '-t', '2.7', '-i', '/t/a.mp4',
    ]);
  });
  it('file at the start: no -ss', () => {
    assert.deepEqual(inputArgs(file('/t/a.mp4'), { sourceStart: 0, duration: 2 }), ['-threads', '1', '-t', '2.5', '-i', '/t/a.mp4']);
  });
  it('a source shorter than its piece is looped by the demuxer', () => {
    assert.deepEqual(inputArgs(file('/t/a.mp4', 1.2), { sourceStart: 0.5, duration: 3 }), [
      '-threads', '1', '-stream_loop', '-1', '-ss', '0.5', '-t', '3.5', '-i', '/t/a.mp4',
    ]);
  });
  it('generated: a lavfi input bounded by -t', () => {
    assert.deepEqual(inputArgs(gen, { sourceStart: 0, duration: 2.4 }), ['-f', 'lavfi', '-t', '2.9', '-i', gen.lavfi]);
  });
  it('paths with spaces, quotes and shell characters pass through untouched (argument arrays, no shell)', () => {
    const p = "/t/it's a $(clip) & more.mp4";
    assert.equal(after(inputArgs(file(p), { sourceStart: 0, duration: 1 }), '-i'), p);
  });
});

describe('a plain piece (no motion, cover framing, cuts)', () => {
  const f = chunkFilterGraph({ ...tail, pieces: [{ clip: 2, sourceStart: 0, frames: 66 }], frames: 66 }, frame, null).split(';\n')[0]!;
  it('normalises timestamps and frame rate before scaling (VFR in, CFR out)', () => {
    assert.match(f, /^\[0:v:0\]setpts=PTS-STARTPTS,fps=30\[p0r\];\[p0r\]crop=/);
  });
  it('centre-crops to the frame shape, then scales to the exact frame: no black bars', () => {
    assert.ok(f.includes(`[p0r]${coverCrop(1080, 1920)},scale=w=1080:h=1920,setsar=1`), f);
    assert.doesNotMatch(f, /(^|,)pad=/);
  });
  it('coverCrop: even width/height of the largest centred window with the frame aspect', () => {
    // Quoted, so the commas inside the expressions do not split the filter chain.
    assert.equal(coverCrop(1080, 1920), "crop=w='2*trunc(min(iw,ih*1080/1920)/2)':h='2*trunc(min(ih,iw*1920/1080)/2)'");
  });
  it('emits exactly the planned frame count, cloning the last frame only if the source runs short', () => {
    assert.match(f, /tpad=stop_mode=clone:stop=66,trim=end_frame=66,setpts=PTS-STARTPTS\[p0\]$/);
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

describe('chunkFilterGraph', () => {
  it("pieces → concat → the chunk's captions → yuv420p", () => {
    const chains = chunkFilterGraph(whole, frame, 'captions.ass').split(';\n');
    assert.equal(chains.length, 5);
    assert.match(chains[0]!, /^\[0:v:0\].*\[p0\]$/);
    assert.match(chains[2]!, /^\[2:v:0\].*tpad=stop_mode=clone:stop=72,trim=end_frame=72,.*\[p2\]$/);
    assert.equal(chains[3], '[p0][p1][p2]concat=n=3:v=1:a=0,settb=1/30,setpts=N[xj0];[xj0]null[joined]');
    assert.equal(chains[4], '[joined]setpts=PTS-STARTPTS+0/30/TB,ass=filename=captions.ass,setpts=PTS-STARTPTS,format=yuv420p[vout]');
  });
  it('captions are drawn at the chunk\'s place in the whole video, then time restarts at zero', () => {
    assert.match(chunkFilterGraph(tail, frame, 'captions.ass'), /\[joined\]setpts=PTS-STARTPTS\+123\/30\/TB,ass=filename=captions\.ass,setpts=PTS-STARTPTS,format=yuv420p\[vout\]$/);
  });
  it('without captions there is no ass filter; one piece needs no concat', () => {
    const g = chunkFilterGraph(tail, frame, null);
    assert.match(g, /\[p0\]null\[joined\];\n\[joined\]format=yuv420p\[vout\]$/);
    assert.doesNotMatch(g, /ass=|concat=/);
  });
});

describe('chunkArgs', () => {
  const args = chunkArgs({ chunk: whole, clips, filterScript: 'chunk-0000.filter', outputFile: 'chunk-0000.ts', encode: DEFAULT_ENCODE });
  it("only the chunk's pieces are inputs, each seeked and bounded", () => {
    const inputs = args.flatMap((a, i) => (a === '-i' ? [args[i + 1]] : []));
    assert.deepEqual(inputs, ['/t/a.mp4', '/t/b.mov', gen.lavfi]);
    const one = chunkArgs({ chunk: tail, clips, filterScript: 'c.filter', outputFile: 'c.ts', encode: DEFAULT_ENCODE });
    assert.deepEqual(one.flatMap((a, i) => (a === '-i' ? [one[i + 1]] : [])), [gen.lavfi]);
  });
  it('the graph comes from a file, never the command line', () => {
    assert.equal(after(args, '-filter_complex_script'), 'chunk-0000.filter');
    assert.ok(!args.includes('-filter_complex'));
  });
  it('H.264 yuv420p at 30 fps, video only, exactly the chunk\'s frames, MPEG-TS', () => {
    assert.equal(after(args, '-c:v'), 'libx264');
    assert.equal(after(args, '-preset'), DEFAULT_ENCODE.preset);
    assert.equal(after(args, '-crf'), String(DEFAULT_ENCODE.crf));
    assert.equal(after(args, '-pix_fmt'), 'yuv420p');
    assert.equal(after(args, '-r'), '30');
    assert.equal(after(args, '-g'), '60');
    assert.equal(after(args, '-frames:v'), String(whole.frames));
    assert.ok(args.includes('-an'));
    assert.equal(after(args, '-threads'), '1', 'decoder threads per input');
    assert.equal(args[args.lastIndexOf('-threads') + 1], '1', 'encoder threads');
    assert.equal(after(args, '-filter_complex_threads'), '1');
    assert.equal(after(args, '-map'), '[vout]');
    assert.deepEqual(args.slice(-3), ['-f', 'mpegts', 'chunk-0000.ts']);
  });
  it('every chunk of a video gets the same encoder arguments', () => {
    const enc = { ...DEFAULT_ENCODE, preset: 'ultrafast', crf: 28 };
    const a = chunkArgs({ chunk: whole, clips, filterScript: 'a.filter', outputFile: 'a.ts', encode: enc });
    const b = chunkArgs({ chunk: tail, clips, filterScript: 'b.filter', outputFile: 'b.ts', encode: enc });
    const encoder = (x: string[]) => x.slice(x.indexOf('-c:v'), x.indexOf('-frames:v'));
    assert.deepEqual(encoder(a), encoder(b));
    assert.equal(after(a, '-preset'), 'ultrafast');
    assert.equal(after(a, '-crf'), '28');
  });
  it('rejects a piece pointing at no clip, and file names that would need escaping', () => {
    const bad: Chunk = { ...tail, pieces: [{ clip: 9, sourceStart: 0, frames: 72 }] };
    assert.throws(() => chunkArgs({ chunk: bad, clips, filterScript: 'c.filter', outputFile: 'c.ts', encode: DEFAULT_ENCODE }), /clip 9/);
    assert.throws(() => chunkArgs({ chunk: tail, clips, filterScript: '/tmp/c.filter', outputFile: 'c.ts', encode: DEFAULT_ENCODE }), /plain file name/);
  });
});

describe('audioArgs', () => {
  it('voice, then looped music, one AAC track of the narration\'s length', () => {
    const args = audioArgs({ voicePath: '/t/voice.wav', voiceNormalised: true, music: { path: '/t/music.mp3', volume: 0.3 }, durationS: 6.5, outputFile: 'audio.m4a', encode: DEFAULT_ENCODE });
    const inputs = args.flatMap((a, i) => (a === '-i' ? [args[i + 1]] : []));
    assert.deepEqual(inputs, ['/t/voice.wav', '/t/music.mp3']);
    const m = args.indexOf('/t/music.mp3');
    assert.deepEqual(args.slice(m - 3, m + 1), ['-stream_loop', '-1', '-i', '/t/music.mp3']);
    assert.match(after(args, '-filter_complex')!, /\[0:a:0\].*\[1:a:0\]/s);
    assert.equal(after(args, '-c:a'), 'aac');
    assert.equal(after(args, '-ar'), '48000');
    assert.equal(after(args, '-ac'), '2');
    assert.equal(after(args, '-t'), '6.5');
    assert.deepEqual(args.slice(-3), ['-f', 'mp4', 'audio.m4a']);
  });
  it('a narration not yet normalised gets loudnorm here; a normalised one alone gets none', () => {
    const raw = audioArgs({ voicePath: 'v.wav', voiceNormalised: false, durationS: 2, outputFile: 'a.m4a', encode: DEFAULT_ENCODE });
    assert.match(after(raw, '-filter_complex')!, /loudnorm/);
    const done = audioArgs({ voicePath: 'v.wav', voiceNormalised: true, durationS: 2, outputFile: 'a.m4a', encode: DEFAULT_ENCODE });
    assert.doesNotMatch(after(done, '-filter_complex')!, /loudnorm/);
  });
});

describe('concatList and assembleArgs', () => {
  it('lists the chunks in order for the concat demuxer, each from its own pipe, each with its exact length', () => {
    assert.equal(
      concatList([31, 47, 360]),
      "ffconcat version 1.0\nfile 'pipe:3'\nduration 1.033333\nfile 'pipe:4'\nduration 1.566667\nfile 'pipe:5'\nduration 12.000000\n",
    );
  });
  it('joins by stream copy, muxes the audio, moov first', () => {
    assert.deepEqual(assembleArgs('chunks.txt', 'audio.m4a', 'output.mp4'), [
      '-f', 'concat', '-safe', '0', '-i', 'chunks.txt', '-i', 'audio.m4a', '-map', '0:v:0', '-map', '1:a:0', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', 'output.mp4',
    ]);
    assert.throws(() => assembleArgs('../chunks.txt', 'audio.m4a', 'output.mp4'), /plain file name/);
  });
});

describe('thumbnailArgs and fmt', () => {
  it('one scaled JPEG frame from a seek point', () => {
    assert.deepEqual(thumbnailArgs('output.mp4', 1.25, 'thumbnail.jpg', 1080), [
      '-threads', '1', '-ss', '1.25', '-i', 'output.mp4', '-frames:v', '1', '-vf', 'scale=w=720:h=-2', '-fps_mode', 'passthrough', '-q:v', '3', '-f', 'image2', 'thumbnail.jpg',
    ]);
    assert.equal(after(thumbnailArgs('o.mp4', 0, 't.jpg', 640), '-vf'), 'scale=w=640:h=-2');
    // Past the first keyframe interval: the keyframe at or before the point, decoded alone.
    assert.deepEqual(thumbnailArgs('output.mp4', 15, 'thumbnail.jpg', 1080).slice(0, 7), ['-threads', '1', '-noaccurate_seek', '-ss', '15', '-i', 'output.mp4']);
  });
  it('fmt: milliseconds, no exponent', () => {
    assert.equal(fmt(1.23456), '1.235');
    assert.equal(fmt(0.0000001), '0');
    assert.equal(fmt(3), '3');
  });
});
