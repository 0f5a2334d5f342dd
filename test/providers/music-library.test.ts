// Music by mood from MUSIC_DIR, on short generated tracks.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { AppError, TaskError } from '../../functions/errors.ts';
import { checkMusicMood, MusicLibrary } from '../../functions/providers/music-library.ts';
import { makeMusicLibrary } from '../support/music-library.ts';
import { tempDir } from '../support/temp-dir.ts';

describe('MusicLibrary', () => {
  const dir = tempDir('music-');
  before(() => makeMusicLibrary(dir));

  it('lists the moods that have tracks, with their counts', async () => {
    assert.deepEqual(await new MusicLibrary(dir).listMoods(), [
      { mood: 'chill', tracks: 3 },
      { mood: 'upbeat', tracks: 1 },
    ]);
    assert.deepEqual(await new MusicLibrary(join(dir, 'missing')).listMoods(), []);
  });

  it('picks a track by seed: the same seed the same track, seeds spread over the tracks', async () => {
    const lib = new MusicLibrary(dir);
    assert.equal(await lib.pickTrack('chill', 7), await lib.pickTrack('chill', 7));
    const picks = new Set(await Promise.all(Array.from({ length: 30 }, (_, s) => lib.pickTrack('chill', s))));
    assert.deepEqual([...picks].sort(), ['a.wav', 'b.wav', 'more/c.wav'].map((f) => join(dir, 'chill', f)));
    assert.equal(await lib.pickTrack('UPBEAT', 1), join(dir, 'Upbeat', 'go.wav'));
  });

  it('a mood without tracks: 422 at submission naming the moods there are; a task error in the worker', async () => {
    const lib = new MusicLibrary(dir);
    await assert.rejects(checkMusicMood(lib, { mood: 'empty' }), (err) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.status, 422);
      assert.deepEqual(err.details, [{ path: 'music.mood', message: 'no tracks for mood "empty"; moods with tracks: chill, upbeat' }]);
      return true;
    });
    await assert.rejects(lib.pickTrack('sad', 1), (err) => err instanceof TaskError && err.code === 'invalid_music' && !err.retryable && /chill, upbeat/.test(err.message));
    await checkMusicMood(lib, { mood: 'Chill' });
    await checkMusicMood(null, undefined);
    await checkMusicMood(null, {});
    await assert.rejects(checkMusicMood(null, { mood: 'chill' }), /MUSIC_DIR is not set/);
  });
});
