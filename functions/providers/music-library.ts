// Background music by mood from a folder the operator owns (MUSIC_DIR): one subfolder per mood
// (chill/, upbeat/, dramatic/), audio files inside. A request's `music: {mood}` picks a track of
// that mood with the task's seed (same seed, same track); the api checks the mood exists before
// it accepts the request, so a typo is a 422 naming the moods there are, not a failed task.
import { readdir } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { invalid, TaskError } from '../errors.ts';
import { deriveSeed, randomInt, seededRandom } from '../lib/seeded-random.ts';

export const AUDIO_EXTENSIONS = ['.mp3', '.m4a', '.aac', '.wav', '.ogg', '.oga', '.opus', '.flac'] as const;

export interface MoodSummary {
  mood: string;
  tracks: number;
}

export class MusicLibrary {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Moods that have at least one track, by name (the body of GET /v1/music is `{moods: listMoods()}`). */
  async listMoods(): Promise<MoodSummary[]> {
    const moods = await this.#scan();
    return [...moods.entries()].map(([mood, tracks]) => ({ mood, tracks: tracks.length }));
  }

  /** The track for `mood` that `seed` picks, as a path; a mood without tracks is a non-retryable task error. */
  async pickTrack(mood: string, seed: number): Promise<string> {
    const tracks = (await this.#scan()).get(mood.toLowerCase());
    if (!tracks) throw new TaskError('invalid_music', `music.mood: ${await this.#noSuchMood(mood)}`);
    return join(this.dir, tracks[randomInt(seededRandom(deriveSeed(seed, 'music')), tracks.length)]!);
  }

  /** Throws the api's 422 when `mood` has no tracks, naming the moods that do. */
  async assertMood(mood: string): Promise<void> {
    if (!(await this.#scan()).has(mood.toLowerCase())) throw invalid([{ path: 'music.mood', message: await this.#noSuchMood(mood) }]);
  }

  async #noSuchMood(mood: string): Promise<string> {
    const moods = [...(await this.#scan()).keys()];
    return moods.length === 0
      ? `there are no music tracks on this service; send music.url instead`
      : `no tracks for mood "${mood}"; moods with tracks: ${moods.join(', ')}`;
  }

  /** Mood (lower-cased folder name) → its audio files relative to the library, sorted; empty moods left out. */
  async #scan(): Promise<Map<string, string[]>> {
    const moods = new Map<string, string[]>();
    let entries;
    try {
      entries = await readdir(this.dir, { withFileTypes: true });
    } catch {
      return moods;
    }
    for (const e of entries.filter((x) => x.isDirectory() && !x.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
      const files = await readdir(join(this.dir, e.name), { recursive: true, withFileTypes: true });
      const tracks = files
        .filter((f) => f.isFile() && !f.name.startsWith('.') && (AUDIO_EXTENSIONS as readonly string[]).includes(extname(f.name).toLowerCase()))
        .map((f) => join(f.parentPath.slice(this.dir.length + 1), f.name))
        .sort();
      if (tracks.length > 0) moods.set(e.name.toLowerCase(), [...(moods.get(e.name.toLowerCase()) ?? []), ...tracks]);
    }
    return moods;
  }
}

/**
 * The submission check of a request's music: with `music.mood`, the mood must have tracks in
 * MUSIC_DIR (422 naming the moods that do, or saying there is no library). Call it after the
 * schema has parsed the body.
 */
export async function checkMusicMood(library: MusicLibrary | null, music: { mood?: string | undefined } | undefined): Promise<void> {
  if (!music?.mood) return;
  if (!library) {
    throw invalid([{ path: 'music.mood', message: 'this service has no music library (MUSIC_DIR is not set); send music.url instead' }]);
  }
  await library.assertMood(music.mood);
}
