// "Use my recording" in a real browser (Debian's Chromium driven by playwright-core): a file
// chosen from disk is uploaded and can be played back; a take recorded with the microphone
// (Chromium's fake capture device playing a recording whose word times are known) is uploaded,
// played back, and rendered: the video's captions start where the take says each word. The voice
// picker is hidden while a recording narrates. Screenshots go to test-results/studio/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startService, type Service } from '../support/service.ts';
import { espeakRecording, writeRecording, type TimedRecording } from '../support/speech-recordings.ts';
import { tempDir } from '../support/temp-dir.ts';
import { requireStudioBuild } from '../support/studio-build.ts';

const CHROMIUM = '/usr/bin/chromium';
const OUT = resolve(import.meta.dirname, '../../test-results/studio');
const SAID = ['The cat slept on the warm mat all morning.', 'Then it woke up, stretched, and walked away.'];

function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: scripts/setup.sh --test installs it`);
  return `${CHROMIUM} is not installed (scripts/setup.sh --test installs it)`;
}

/** WebVTT cues as [start seconds, text]. */
function cues(vtt: string): [number, string][] {
  const out: [number, string][] = [];
  for (const block of vtt.split(/\n\n+/)) {
    const m = /(\d+):(\d+):(\d+)\.(\d+) --> [^\n]+\n([\s\S]+)$/.exec(block.trim());
    if (m) out.push([Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000, m[5]!.trim().replace(/\s+/g, ' ')]);
  }
  return out;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });


before(requireStudioBuild);
describe('the studio narrated by your own recording', { skip: browserSkip() }, () => {
  const dir = tempDir('studio-voiceover-');
  let svc: Service;
  let browser: Browser;
  let take: TimedRecording;
  let wav: string;

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    // Long silence after the words: the fake microphone plays the file in a loop, and the take
    // is stopped before it comes round again.
    [svc, take] = await Promise.all([
      // x264's fastest preset: the page and the captions' times are the point, not the picture.
      startService({ RENDER_PRESET: 'ultrafast' }),
      espeakRecording(SAID, { voice: 'en-us+klatt3', rate: 150, pitch: 30 }, { seed: 7, wordChance: 0.4, leadS: [0.8, 0.8], sentenceS: [0.8, 0.8], tailS: [4, 4] }),
    ]);
    wav = join(dir, 'take.wav');
    await writeRecording(wav, take);
    browser = await chromium.launch({
      timeout: 0,
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--autoplay-policy=no-user-gesture-required',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${wav}`,
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('uploads a file or records a take, plays it back, and renders with captions on the recorded words', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 1000 } });
    // No clock of Playwright's own (see studio.test.ts): each wait is for an event on the page.
    context.setDefaultTimeout(0);
    await context.grantPermissions(['microphone'], { origin: svc.url });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${svc.url}/studio`);
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    await page.getByRole('radio', { name: 'One script' }).check();
    await page.locator('[id="script_text"]').fill(SAID.join(' '));
    await page.getByLabel('Aspect').selectOption('1:1');
    await page.getByLabel('Resolution').selectOption('720p');
    // No Ken Burns move: the captions' times are the point, and a still piece renders for less.
    await page.locator('[id="motion"]').selectOption('none');
    assert.equal(await page.locator('[id="voice_id"]').count(), 1, 'a voice is offered while a voice narrates');

    // "Use my recording" with none yet: the page says so, next to the recording.
    await page.getByRole('radio', { name: 'Use my recording' }).check();
    assert.equal(await page.locator('[id="voice_id"]').count(), 0, 'no voice picker while a recording narrates');
    await page.getByRole('button', { name: 'Render video' }).first().click();
    await page.locator('#voiceover-error').waitFor();
    assert.match(await page.locator('#voiceover-error').innerText(), /Upload or record your narration first/);

    // A file from disk: uploaded at once, then playable here.
    const mp3 = join(dir, 'said.mp3');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', wav, '-c:a', 'libmp3lame', '-b:a', '64k', mp3]);
    await page.locator('#voiceover-file').setInputFiles(mp3);
    await page.locator('.take figcaption', { hasText: 'said.mp3' }).waitFor();
    const seconds = take.samples.length / take.sampleRate;
    const shown = Number(/([\d.]+) s/.exec(await page.locator('.take figcaption').innerText())![1]);
    assert.ok(Math.abs(shown - seconds) < 0.15, `the service measured ${shown} s of a ${seconds} s file`);
    assert.equal(await page.locator('#voiceover-error').count(), 0, 'the missing-recording error is gone');
    await shot(page, 'voiceover-01-uploaded');

    // A take recorded with the microphone, stopped once the words are said (the page's clock
    // runs from the take's start; the fake microphone started no later).
    const wordsEnd = take.words.at(-1)!.end + 1;
    await page.getByRole('button', { name: 'Record again' }).click();
    await page.getByTestId('voiceover-elapsed').waitFor();
    await shot(page, 'voiceover-02-recording');
    await page.waitForFunction(
      (end) => {
        const [m, s] = (document.querySelector('[data-testid="voiceover-elapsed"]')?.textContent ?? '0:00').split(':').map(Number);
        return m! * 60 + s! >= end;
      },
      Math.ceil(wordsEnd),
      { timeout: 0 },
    );
    await page.getByRole('button', { name: /Stop recording/ }).click();
    await page.locator('.take figcaption', { hasText: /recording\.(webm|ogg|m4a)/ }).waitFor();
    // Played back from this browser's copy: its time runs.
    const played = await page.locator('.take audio').evaluate(
      (a: HTMLAudioElement) =>
        new Promise<number>((done, fail) => {
          a.addEventListener('timeupdate', () => a.currentTime > 0.3 && (a.pause(), done(a.currentTime)));
          a.addEventListener('error', () => fail(new Error(`the take does not play: ${a.error?.message}`)));
          a.play().catch(fail);
        }),
    );
    assert.ok(played > 0.3);
    await shot(page, 'voiceover-03-recorded');

    await page.getByRole('button', { name: 'Render video' }).first().click();
    await page.getByTestId('render-status').filter({ hasText: /^(Done\.|Failed|Cancelled)/ }).waitFor();
    assert.equal(await page.getByTestId('render-status').innerText(), 'Done.');
    await page.locator('video.player').waitFor();
    await shot(page, 'voiceover-04-rendered');

    // Each caption line starts where the take says its first word. Where the fake microphone was
    // in its file when the take began is not known to the millisecond: onsets are compared
    // relative to the first word's.
    const vttUrl = await page.locator('video.player track').getAttribute('src');
    const lines = cues(await (await fetch(vttUrl!)).text());
    assert.deepEqual(lines.map(([, t]) => t).join(' '), SAID.join(' '));
    let word = 0;
    const errors: number[] = [];
    for (const [start, text] of lines) {
      errors.push(Math.abs(start - lines[0]![0] - (take.words[word]!.start - take.words[0]!.start)));
      word += text.split(' ').length;
    }
    const sorted = [...errors].sort((a, b) => a - b);
    assert.ok(sorted[Math.floor(sorted.length / 2)]! <= 0.05, `median onset error ${sorted[Math.floor(sorted.length / 2)]} (${errors.join(', ')})`);
    assert.ok(sorted.at(-1)! <= 0.15, `worst onset error ${sorted.at(-1)} (${errors.join(', ')})`);
    assert.deepEqual(pageErrors, []);
    await context.close();
  });
});
