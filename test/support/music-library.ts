// A MUSIC_DIR of short generated tracks for tests.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTone } from './media-fixtures.ts';

/** A library with chill/ (three tracks, one in a subfolder), Upbeat/ (one), empty/ (notes only). */
export async function makeMusicLibrary(dir: string, frequency = 440, durationS = 1): Promise<void> {
  await mkdir(join(dir, 'chill', 'more'), { recursive: true });
  await mkdir(join(dir, 'Upbeat'));
  await mkdir(join(dir, 'empty'));
  await Promise.all([
    makeTone(join(dir, 'chill', 'a.wav'), durationS, frequency),
    makeTone(join(dir, 'chill', 'b.wav'), durationS, frequency),
    makeTone(join(dir, 'chill', 'more', 'c.wav'), durationS, frequency),
    makeTone(join(dir, 'Upbeat', 'go.wav'), 1),
    writeFile(join(dir, 'empty', 'README.txt'), 'no tracks yet'),
    writeFile(join(dir, 'stray.wav'), 'not in a mood folder'),
  ]);
}
