// The benchmark's catalogue, asked through the fake Pexels as the service asks it: each workload's
// query finds the pool it is meant to, and the copies serve their original's files.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pickRendition } from '../../functions/providers/pexels.ts';
import { catalogue, COSTLY_CLIPS, LONG_SCRIPT, poolClips, poolOf, renditionPath, SCRIPT, SECONDS_PER_CHAR, WORKLOADS } from '../../bench/workload.ts';
import { FAKE_PEXELS_KEY, startFakePexels, type FakePexels } from '../fakes/index.ts';

interface ApiVideo {
  id: number;
  duration: number;
  video_files: { width: number | null; height: number | null; fps: number | null; link: string; quality: string; file_type: string }[];
}

describe('bench workload', () => {
  let pexels: FakePexels;
  before(async () => {
    pexels = await startFakePexels({ videos: catalogue() });
  });
  after(() => pexels.close());

  const search = async (query: string): Promise<ApiVideo[]> => {
    const res = await fetch(`${pexels.url}/videos/search?query=${encodeURIComponent(query)}&per_page=80`, {
      headers: { authorization: FAKE_PEXELS_KEY, 'user-agent': 'reelsmith-bench-test' },
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { videos: ApiVideo[] }).videos;
  };

  it('gives the six-clip workload its six clips, the 1080p one eight with the costly two, the long one 24', async () => {
    const six = await search(WORKLOADS['six-clips'].query);
    assert.equal(six.length, 6);
    assert.ok(!six.some((v) => v.id === COSTLY_CLIPS.fps60 || v.id === COSTLY_CLIPS.qhd));
    const hd = await search(WORKLOADS['1080p'].query);
    assert.equal(hd.length, 8);
    assert.ok(hd.some((v) => v.id === COSTLY_CLIPS.fps60) && hd.some((v) => v.id === COSTLY_CLIPS.qhd));
    const long = await search(WORKLOADS['3min'].query);
    assert.equal(long.length, 24);
    // The long script's footage need (1.2 × its length, as the pipeline sizes it) is covered.
    const need = (LONG_SCRIPT.length / 15) * 1.2;
    assert.ok(long.reduce((s, v) => s + v.duration, 0) >= need);
  });

  it('makes a 1080p 9:16 task pick the 60 fps 1080x1920 and the 2560x1440 renditions', async () => {
    const hd = await search(WORKLOADS['1080p'].query);
    const files = (id: number) => hd.find((v) => v.id === id)!.video_files;
    const pick = (id: number) => {
      const f = pickRendition(files(id), 1080, 1920);
      return files(id).find((x) => x.link === f?.link);
    };
    assert.deepEqual([pick(COSTLY_CLIPS.fps60)?.width, pick(COSTLY_CLIPS.fps60)?.height, Math.round(pick(COSTLY_CLIPS.fps60)?.fps ?? 0)], [1080, 1920, 60]);
    assert.deepEqual([pick(COSTLY_CLIPS.qhd)?.width, pick(COSTLY_CLIPS.qhd)?.height], [2560, 1440]);
  });

  it('knows each pool as the fake finds it, and takes the renditions a service picks', async () => {
    for (const w of Object.values(WORKLOADS)) {
      const found = (await search(w.query)).map((v) => v.id).sort();
      assert.deepEqual(poolOf(w).map((v) => v.id).sort(), found, w.name);
    }
    const clips = poolClips(WORKLOADS['1080p'], { width: 1080, height: 1920 });
    const sizes = clips.map((c) => (c.kind === 'file' ? `${c.width}x${c.height}` : ''));
    assert.deepEqual([...new Set(sizes)].sort(), ['1080x1920', '1920x1080', '2560x1440']);
    assert.ok(clips.some((c) => c.kind === 'file' && c.path.includes(`${COSTLY_CLIPS.fps60}-1080x1920-60fps`)));
  });

  it('serves a copy from its original\'s file, and names files by what made them', () => {
    const videos = catalogue();
    const original = videos.find((v) => v.id === COSTLY_CLIPS.qhd)!;
    const copies = videos.filter((v) => v.id !== original.id && v.width === original.width && renditionPath(v.id, v.renditions[0]!) === renditionPath(original.id, original.renditions[0]!));
    assert.equal(copies.length, 2);
    const paths = new Set(videos.flatMap((v) => v.renditions.map((r) => renditionPath(v.id, r))));
    assert.equal(paths.size, 33, 'eight clips: six in four renditions, the 60 fps one in four, the 1440p one in five');
  });

  it('speaks the scripts in about 45 s and 3 min at the fake voice\'s rate', () => {
    assert.equal(Math.round(SCRIPT.length * SECONDS_PER_CHAR), 45);
    assert.ok(Math.abs(LONG_SCRIPT.length * SECONDS_PER_CHAR - 180) < 2);
  });
});
