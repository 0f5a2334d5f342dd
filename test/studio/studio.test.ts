// The studio page in a real browser: Debian's Chromium driven by playwright-core, against the
// service started here on the ElevenLabs and Pexels fakes, with API_KEYS on. The scenario of issue
// 16, at a phone's width since issue 24: the key asked for once; compose two scenes (and an empty
// third, dropped) with a hook, a progress bar and an end card; the storyboard, its timeline
// scrolling sideways with a cue, what shows on screen when, its preview playing the voice over the
// thumbnails; swap a clip (candidates described by what they show; focus stays on the piece);
// render; the player loads the video; download the SRT; cancel a second render; errors in the
// form's words next to their fields. A fresh page renders and plays a script typed into its first
// box with no other input; recent videos tell themselves apart; the boxed look's preview and the
// video draw the same box. Then the page's accessibility (labels, keyboard, contrast), a favicon,
// and the page without API_KEYS. A screenshot of each step goes to test-results/studio/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import type { FakePexelsVideo } from '../fakes/index.ts';
import { resolveLook } from '../../functions/domain/look.ts';
import { assDocument } from '../../functions/media/captions/ass-document.ts';
import { buildCaptions } from '../../functions/media/captions/index.ts';
import { bounds, burn, count, near, pixel, type Box, type Rgb } from '../support/frames.ts';
import { getJson } from '../support/http.ts';
import { tempDir } from '../support/temp-dir.ts';
import { withService } from '../support/with-service.ts';
import { requireStudioBuild } from '../support/studio-build.ts';

const CHROMIUM = '/usr/bin/chromium';
const KEY = 'studio-key-1';
const OUT = resolve(import.meta.dirname, '../../test-results/studio');

function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: scripts/setup.sh --test installs it`);
  return `${CHROMIUM} is not installed (scripts/setup.sh --test installs it)`;
}

/** What each fake clip shows, as its page on pexels.com is named. */
const TITLES = ['Red cliffs at sunrise', 'Green river valley', 'Yellow wheat field', 'Blue mountain lake', 'Orange desert dunes', 'Purple mountain peaks', 'Cyan glacier stream', 'Pink evening sky'];

/** Flat colours, a few seconds each: every piece's clip is told apart at a glance in the screenshots. */
function catalog(): FakePexelsVideo[] {
  return ['0xe6194b', '0x3cb44b', '0xffe119', '0x4363d8', '0xf58231', '0x911eb4', '0x46f0f0', '0xf032e6'].map((color, i) => ({
    id: 4_000_001 + i,
    durationS: 4 + (i % 2),
    width: 720,
    height: 1280,
    user: { id: 700 + i, name: `Studio Author ${i}`, url: `https://www.pexels.com/@studio-${i}` },
    renditions: [{ quality: 'hd', width: 720, height: 1280, fps: 25 }],
    tags: [],
    pattern: 'color' as const,
    color,
    title: TITLES[i]!,
  }));
}

// No clock of Playwright's own: each wait below is for an event on the page (an element, a status,
// a download), as long as a busy machine makes it take; the runner's per-test timeout is the one
// hang guard. Playwright's default gives every action and wait 30 s, which a loaded machine can use
// up on a render, a storyboard or the browser's own start.
const launch = () =>
  chromium.launch({
    timeout: 0,
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });

/**
 * One browser for the file, launched when a test first asks for it (a launch costs more CPU than a
 * context); each test opens its own context.
 */
let launched: Promise<Browser> | undefined;
const sharedBrowser = () => (launched ??= launch());
after(async () => {
  if (launched) await (await launched).close();
});

/** A browser context whose actions and waits have no time limit of their own (see launch). */
async function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(0);
  return context;
}

/** Everything the page asks for must be this service (loopback; signed URLs name it localhost): no CDN, no fonts, nothing else. */
async function loopbackOnly(context: BrowserContext): Promise<string[]> {
  const outside: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (['127.0.0.1', 'localhost'].includes(url.hostname) || url.protocol === 'blob:' || url.protocol === 'data:') return route.continue();
    outside.push(url.href);
    return route.abort();
  });
  return outside;
}

const field = (page: Page, id: string) => page.locator(`[id="${id}"]`);
const shot = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });

/** A PNG's pixels, as RGB. */
function decodePng(path: string): Rgb {
  const [width, height] = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', path], { encoding: 'utf8' }).trim().split(',').map(Number);
  const data = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 64 * 1024 * 1024 });
  return { width: width!, height: height!, data };
}

/** WCAG contrast ratio of two CSS colours (rgb()/rgba(), alpha ignored). */
function contrast(fg: string, bg: string): number {
  const lum = (css: string) => {
    const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a! + 0.05) / (b! + 0.05);
}


before(requireStudioBuild);
describe('the studio page in Chromium', { skip: browserSkip() }, () => {
  const service = withService({ elevenlabs: true, pexels: { videos: catalog() }, env: { API_KEYS: KEY } });
  let browser: Browser;
  const auth = { authorization: `Bearer ${KEY}` };

  before(async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    browser = await sharedBrowser();
  });

  it('at a phone\'s width: compose, storyboard, preview, swap, render, play, download, cancel, and errors in the form\'s words', async () => {
    const context = await newContext(browser, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, acceptDownloads: true });
    const outside = await loopbackOnly(context);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const noSideways = async (when: string) => assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `no sideways scrolling ${when}`);

    // The key, asked for once and kept.
    await page.goto(`${service.url}/`);
    await page.getByLabel('API key').fill(KEY);
    await shot(page, '01-key');
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    assert.equal(await page.getByLabel('API key').count(), 0, 'the key is not asked for again');

    // Two scenes and an empty third, which is dropped; karaoke captions at the top, a hook, a progress bar, an end card after the voice.
    await page.getByLabel('Scenes').check();
    await field(page, 'scenes.0.text').fill('Mountains are older than you think. They rise over long ages.');
    await field(page, 'scenes.0.search_query').fill('mountains');
    await page.getByRole('button', { name: 'Add a scene' }).click();
    await field(page, 'scenes.1.text').fill('Rivers carve them, grain by grain, and carry them to the sea.');
    await field(page, 'scenes.1.search_query').fill('river');
    await page.getByRole('button', { name: 'Add a scene' }).click();
    await page.getByLabel('Style').selectOption('karaoke');
    await page.getByLabel('Position').selectOption('top');
    // The smaller size keeps the renders below cheap (the form starts at the API's 1080p).
    await page.getByLabel('Resolution').selectOption('720p');
    assert.match((await page.locator('.preview .screen-caption').first().getAttribute('class'))!, /style-karaoke.*at-top/);
    await page.getByLabel('A hook title over the first seconds').check();
    await page.getByLabel('A progress bar').check();
    await page.getByLabel('An end card over the last seconds').check();
    await field(page, 'end_card.text').fill('Follow for part 2');
    await page.getByLabel('After the voice (the video gets longer; music goes on)').check();
    // The opening frame shows the hook (the first sentence: captions wait for it), the last one the end card.
    assert.equal(await page.locator('.preview .screen-title.hook').count(), 1, 'the sample frames show the hook');
    assert.equal(await page.locator('.preview .screen-title.end-card').count(), 1, 'the sample frames show the end card');
    await noSideways('on the form');
    await shot(page, '02-compose');

    // The storyboard: sentences over a strip of thumbnails, what shows on screen when, the duration and estimate.
    const [sent] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/v1/storyboards') && r.method() === 'POST'), page.getByRole('button', { name: 'Make a storyboard first' }).first().click()]);
    assert.equal(sent.postDataJSON().scenes.length, 2, 'the empty trailing scene is dropped');
    // Preparing is a worker's job (voice, footage, thumbnails): as long as it takes on a busy machine.
    await page.locator('.strip .piece img').first().waitFor();
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('.strip .piece img')).every((i) => i.complete && i.naturalWidth > 0));
    const pieces = await page.locator('.strip .piece').count();
    assert.ok(pieces >= 2);
    assert.match(await page.getByTestId('storyboard-duration').innerText(), /^\d+\.\d s$/);
    assert.match(await page.locator('.facts').innerText(), /Render estimate\s+about [\d.]+ s on a worker/);
    const onScreen = await page.locator('.onscreen').innerText();
    assert.match(onScreen, /Hook 0\.0 s–2\.5 s: “Mountains are older than you think\.”/);
    assert.match(onScreen, /End card [\d.]+ s–[\d.]+ s, after the voice: “Follow for part 2”/);
    assert.match(onScreen, /Progress bar along the bottom, throughout/);
    // The timeline is wider than a phone: it scrolls on its own, and says so; the page does not.
    const timeline = page.getByRole('group', { name: 'Timeline' });
    const [scrollW, clientW] = await timeline.evaluate((el) => [el.scrollWidth, el.clientWidth]);
    assert.ok(scrollW > clientW, `the timeline overflows: ${scrollW} > ${clientW}`);
    await page.getByText(`scroll it sideways to see all ${pieces} pieces`).waitFor();
    assert.equal(await timeline.getAttribute('tabindex'), '0', 'reachable by keyboard to scroll');
    await noSideways('with the storyboard');
    await timeline.evaluate((el) => el.scrollTo({ left: el.scrollWidth }));
    await shot(page, '03-storyboard');

    // The preview plays the voice over the thumbnails.
    await page.getByRole('button', { name: 'Play preview' }).click();
    await page.waitForFunction(() => Number.parseFloat(document.querySelector('[data-testid="preview-time"]')!.textContent!) >= 1);
    await shot(page, '04-preview');
    await page.getByRole('button', { name: 'Pause preview' }).click();

    // Swap one clip for a candidate, described by what it shows; focus stays on the piece.
    const piece = page.locator('.strip .piece').filter({ has: page.getByRole('button', { name: /^Swap clip/ }) }).first();
    const before = await piece.locator('img').getAttribute('data-clip');
    await piece.getByRole('button', { name: /^Swap clip/ }).click();
    const candidate = page.locator('.candidates .candidate').first();
    const label = await candidate.innerText();
    assert.ok(TITLES.some((t) => label.toLowerCase().includes(t.toLowerCase())), `a candidate is labelled by what it shows: ${label}`);
    const chosen = await candidate.getAttribute('data-clip');
    await shot(page, '05-candidates');
    await candidate.click();
    const index = await piece.getAttribute('data-piece');
    await page.locator(`.strip .piece.swapped[data-piece="${index}"] img[data-clip="${chosen}"]`).waitFor();
    assert.notEqual(before, chosen);
    await page.waitForFunction((i) => document.activeElement?.closest('.piece')?.getAttribute('data-piece') === i, index);
    assert.match(await page.locator(`.strip .piece[data-piece="${index}"] img`).getAttribute('alt') ?? '', new RegExp(`^Piece ${Number(index) + 1}: `));
    await shot(page, '06-swapped');

    // Render it; the player loads the video, as long as the task says.
    await page.getByRole('button', { name: 'Render this storyboard' }).click();
    await page.getByTestId('render-status').filter({ hasText: 'Done.' }).waitFor();
    await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>('video.player')?.readyState ?? 0) >= 2);
    const playerDuration = await page.locator('video.player').evaluate((v: HTMLVideoElement) => v.duration);
    const href = await page.getByRole('link', { name: 'MP4' }).getAttribute('download');
    const taskId = href!.replace(/\.mp4$/, '');
    const task = await getJson(`${service.url}/v1/videos/${taskId}`, auth);
    assert.equal(task.body.status, 'completed');
    assert.ok(Math.abs(playerDuration - task.body.result.duration_s) <= 0.2, `player ${playerDuration} s, task ${task.body.result.duration_s} s`);
    await shot(page, '07-player');

    // Download the SRT.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'SRT captions' }).click()]);
    const srtPath = join(OUT, 'captions.srt');
    await download.saveAs(srtPath);
    const srt = readFileSync(srtPath, 'utf8');
    assert.match(srt, /^1\r?\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}/);
    assert.match(srt, /Mountains/);

    // A second render, held at the voice, cancelled from the page.
    let release: () => void = () => undefined;
    service.el.options.hold = new Promise<void>((r) => (release = r));
    try {
      await page.getByRole('button', { name: 'Render video' }).first().click();
      await page.getByTestId('render-status').filter({ hasText: /Voice|Waiting/ }).waitFor();
      await shot(page, '08-rendering');
      await page.getByRole('button', { name: 'Cancel render' }).click();
      await page.getByTestId('render-status').filter({ hasText: 'Cancelled.' }).waitFor();
    } finally {
      service.el.options.hold = null;
      release();
    }
    const recent = await getJson(`${service.url}/v1/videos?limit=1`, auth);
    assert.equal(recent.body.data[0].status, 'cancelled');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('.recent .badge.cancelled').first().waitFor();
    await shot(page, '09-cancelled');

    // An invalid field: the API's message next to it, in the form's words, the field marked and focused.
    await field(page, 'scenes.1.clip_url').fill('ftp://example.com/clip.mp4');
    await page.getByRole('button', { name: 'Make a storyboard first' }).first().click();
    const error = page.locator('[data-field="scenes.1.clip_url"]');
    await error.waitFor();
    assert.match(await error.innerText(), /^Must be an http\(s\) URL$/);
    assert.equal(await field(page, 'scenes.1.clip_url').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'scenes.1.clip_url');
    assert.equal(await field(page, 'scenes.1.clip_url').getAttribute('aria-describedby'), 'scenes.1.clip_url-error');
    await shot(page, '10-field-error');

    // A script too short and one too long, said as a writer reads them.
    await page.getByLabel('One script').check();
    await page.getByRole('button', { name: 'Render video' }).first().click();
    await page.locator('[data-field="script_text"]').filter({ hasText: 'Write at least one sentence' }).waitFor();
    await field(page, 'script_text').fill('x'.repeat(10_720));
    await page.getByRole('button', { name: 'Render video' }).first().click();
    await page.locator('[data-field="script_text"]').filter({ hasText: '10,720 characters: the limit is 10,000' }).waitFor();
    await shot(page, '11-script-errors');

    assert.deepEqual(pageErrors, []);
    assert.deepEqual(outside, [], 'the page asked for nothing outside this service');
    await context.close();
  });

  it('a fresh page at a phone\'s width: a script typed into its first box renders and plays, with nothing else set; recent videos tell themselves apart', async () => {
    const context = await newContext(browser, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await context.addInitScript((key) => localStorage.setItem('reelsmith.apiKey', key), KEY);
    const page = await context.newPage();
    await page.goto(`${service.url}/`);
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    const first = page.locator('textarea, input[type="text"], input[type="url"]').first();
    assert.equal(await first.getAttribute('id'), 'script_text', 'the page opens on one script box');
    // One sentence: this render is at the API's defaults (1080p), and a short video renders and plays as a long one does.
    await first.fill('Clouds weigh more than you think.');
    await page.getByRole('button', { name: 'Render video' }).first().click();
    await page.getByTestId('render-status').filter({ hasText: 'Done.' }).waitFor();
    const player = page.locator('video.player');
    await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>('video.player')?.readyState ?? 0) >= 2);
    await player.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>('video.player')?.currentTime ?? 0) > 0.5);
    assert.deepEqual(await player.evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight]), [1080, 1920], "the API's defaults: 9:16 at 1080p");
    await shot(page, '12-fresh-page-plays');

    // Recent videos: a thumbnail, the script's first words, the shape and the length of each.
    await page.getByRole('button', { name: 'Refresh' }).click();
    const item = page.locator('.recent li').filter({ hasText: 'Clouds weigh more than you think.' }).first();
    await item.waitFor();
    assert.match(await item.innerText(), /9:16 · \d+\.\d s ·/);
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.recent li .thumb img');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    await shot(page, '13-recent');
    await context.close();
  });

  it("the boxed look's preview and the video draw the same box: one per line, the same size around the same words, the same shade", async () => {
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 3 });
    await context.addInitScript((key) => localStorage.setItem('reelsmith.apiKey', key), KEY);
    const page = await context.newPage();
    await page.goto(`${service.url}/`);
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    await page.getByLabel('Style').selectOption('boxed');
    await page.getByLabel('Position').selectOption('center');
    // A flat grey behind both (the page's own gradient would change the box's shade from place to place).
    const frame = page.locator('.preview .screen').first();
    await frame.evaluate((el: HTMLElement) => (el.style.background = '#808080'));
    await page.evaluate(() => document.fonts.ready);
    await page.waitForFunction(() => document.fonts.check("10px 'reelsmith-league-spartan'"));
    const dir = tempDir('boxed-preview-');
    const png = join(dir, 'preview.png');
    await frame.screenshot({ path: png });
    const preview = decodePng(png);
    await context.close();

    // The same words, look and shape drawn by libass, the middle word spoken, the last emphasised.
    const size = { width: preview.width, height: 2 * Math.round((preview.width * 8) / 9) };
    const words = [
      { text: 'Every', start: 0, end: 0.3 },
      { text: 'word', start: 0.3, end: 0.9 },
      { text: 'counts', start: 0.9, end: 1.3 },
    ];
    const caps = buildCaptions(words, [3], 1.5, { style: 'boxed', position: 'center', font_size: 1, max_words_per_line: 4 }, size, 'en', { look: resolveLook('boxed'), emphasis: [false, false, true] })!;
    assert.equal(caps.lines.length, 1);
    const video = burn(assDocument(size, [caps.part]), { ...size, frames: [15], dir, background: `color=c=0x808080:s=${size.width}x${size.height}:r=30` })[0]!;

    const measure = (f: Rgb, what: string) => {
      // Black at 65 % over grey (0x80): 0x2D where no letter covers it.
      const isBox = near('#2D2D2D', 8);
      const box = bounds(f, isBox)!;
      assert.ok(box, `${what}: a box`);
      const ink = bounds(f, (r, g, b) => !isBox(r, g, b) && !near('#808080', 12)(r, g, b), { x0: box.x0 + 2, y0: box.y0 + 2, x1: box.x1 - 2, y1: box.y1 - 2 })!;
      // One box: its top and bottom rows run unbroken from end to end (no notches between words).
      for (const y of [box.y0 + 1, box.y1 - 2]) {
        const gaps = Array.from({ length: box.x1 - box.x0 - 4 }, (_, i) => box.x0 + 2 + i).filter((x) => !isBox(...pixel(f, x, y)));
        assert.deepEqual(gaps, [], `${what}: row ${y} of the box is unbroken`);
      }
      // Nothing of the box's shade outside it: one box for the line.
      assert.equal(count(f, isBox) - count(f, isBox, box), 0, `${what}: one box`);
      return {
        box,
        ink,
        shade: pixel(f, box.x0 + 2, box.y0 + 2),
        yellow: count(f, near('#FFD400', 50), box),
        green: count(f, near('#3DEB7A', 50), box),
      };
    };
    const [p, v] = [measure(preview, 'preview'), measure(video, 'video')];
    const w = (b: Box) => b.x1 - b.x0;
    const h = (b: Box) => b.y1 - b.y0;
    const close = (a: number, b: number, tolerance: number, what: string) => assert.ok(Math.abs(a - b) <= tolerance * b, `${what}: preview ${a}, video ${b}`);
    close(w(p.box), w(v.box), 0.04, 'box width');
    close(h(p.box), h(v.box), 0.06, 'box height');
    close(w(p.ink), w(v.ink), 0.04, 'the words\' width');
    close(p.ink.x0 - p.box.x0, v.ink.x0 - v.box.x0, 0.2, 'padding at the left');
    close(p.ink.y0 - p.box.y0, v.ink.y0 - v.box.y0, 0.25, 'space over the words');
    close(p.box.y1 - p.ink.y1, v.box.y1 - v.ink.y1, 0.25, 'space under the words');
    for (const c of [0, 1, 2]) assert.ok(Math.abs(p.shade[c]! - v.shade[c]!) <= 6, `the box's shade: preview ${p.shade}, video ${v.shade}`);
    close(p.yellow, v.yellow, 0.25, 'the spoken word (yellow)');
    close(p.green, v.green, 0.25, 'the emphasised word (green)');
  });

  it('is accessible: labelled controls, keyboard reach, contrast', async () => {
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    await context.addInitScript((key) => localStorage.setItem('reelsmith.apiKey', key), KEY);
    const page = await context.newPage();
    await page.goto(`${service.url}/studio`);
    await page.getByRole('heading', { name: 'Compose' }).waitFor();

    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLInputElement>('input, select, textarea'))
        .filter((c) => (c.labels?.length ?? 0) === 0 && !c.getAttribute('aria-label'))
        .map((c) => c.outerHTML),
    );
    assert.deepEqual(unlabelled, []);
    assert.equal(await page.locator('img:not([alt])').count(), 0);

    // The keyboard alone reaches the first scene and the submit button.
    const reached = new Set<string>();
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim() || ''));
    }
    assert.ok(reached.has('script_text'), [...reached].join(' | '));
    assert.ok(reached.has('Render video'), [...reached].join(' | '));

    const pairs = await page.evaluate(() => {
      const bg = (el: Element | null): string => {
        for (let e = el; e; e = e.parentElement) {
          const c = getComputedStyle(e).backgroundColor;
          if (c && !/rgba\(0, 0, 0, 0\)|transparent/.test(c)) return c;
        }
        return 'rgb(255, 255, 255)';
      };
      return Array.from(document.querySelectorAll('h1, h2, label, legend, p, button, a, option, .badge'))
        // The caption preview is a picture (aria-hidden), outlined text on a sample frame.
        .filter((e) => (e as HTMLElement).offsetParent !== null && e.textContent?.trim() && !e.closest('[aria-hidden="true"]'))
        .map((e) => ({ what: `${e.tagName.toLowerCase()} "${e.textContent!.trim().slice(0, 30)}"`, fg: getComputedStyle(e).color, bg: bg(e) }));
    });
    assert.ok(pairs.length > 20);
    const weak = pairs.filter((p) => contrast(p.fg, p.bg) < 4.5).map((p) => `${p.what}: ${contrast(p.fg, p.bg).toFixed(2)}`);
    assert.deepEqual(weak, []);
    await context.close();
  });

  it('fits a phone-width screen, and has a favicon', async () => {
    const context = await newContext(browser, { viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await context.addInitScript((key) => localStorage.setItem('reelsmith.apiKey', key), KEY);
    const page = await context.newPage();
    await page.goto(`${service.url}/`);
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
    const box = await page.getByRole('button', { name: 'Render video' }).first().boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 375 && box.height >= 24, JSON.stringify(box));
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    const res = await fetch(new URL(icon!, service.url));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/svg+xml');
    assert.match(await res.text(), /^<svg /);
    await shot(page, '14-phone');
    await context.close();
  });
});

describe('the studio page without API_KEYS', { skip: browserSkip() }, () => {
  const service = withService();
  // The file's one browser, a context for each test.
  let browser: Browser;
  before(async () => {
    browser = await sharedBrowser();
  });

  it('opens on the form, with the offline voices, no key asked', async () => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await page.goto(`${service.url}/`);
      await page.getByRole('heading', { name: 'Compose' }).waitFor();
      assert.equal(await page.getByLabel('API key').count(), 0);
      await page.waitForFunction(() => document.querySelectorAll('#voice_id option').length > 1);
      await shot(page, '15-no-keys');
    } finally {
      await context.close();
    }
  });

  it('saves the look as a template and starts a form from it; a topic without a language model is marked on its field', async () => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await page.goto(`${service.url}/`);
      await page.getByRole('heading', { name: 'Compose' }).waitFor();
      await page.getByLabel('Style').selectOption('boxed');
      await page.getByLabel('Position').selectOption('center');
      await page.getByLabel('Resolution').selectOption('720p');
      await page.getByLabel('Save these settings as').fill('boxed look');
      await page.getByRole('button', { name: 'Save as template' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved the template “boxed look”' }).waitFor();
      const saved = (await getJson(`${service.url}/v1/templates`)).body.data;
      assert.equal(saved.length, 1);
      assert.deepEqual(saved[0].settings.captions, { style: 'boxed', position: 'center', font_size: 1 });
      assert.equal(saved[0].settings.resolution, '720p');
      assert.equal(saved[0].settings.script_text, undefined, 'a template keeps no script');

      // A fresh form started from it shows its look.
      await page.reload();
      await page.getByRole('heading', { name: 'Compose' }).waitFor();
      await page.waitForFunction(() => document.querySelectorAll('#template_id option').length > 1);
      assert.equal(await page.getByLabel('Style').inputValue(), 'word-highlight');
      await page.getByLabel('Start from a template').selectOption({ label: 'boxed look' });
      assert.equal(await page.getByLabel('Style').inputValue(), 'boxed');
      assert.equal(await page.getByLabel('Position').inputValue(), 'center');
      assert.equal(await page.getByLabel('Resolution').inputValue(), '720p');

      // From a topic: this service has no language model, and says so next to the topic.
      await page.getByLabel('From a topic').check();
      await page.getByLabel('What the video is about').fill('why octopuses have three hearts');
      await page.getByLabel('Tone (optional)').fill('playful');
      await page.getByRole('button', { name: 'Make a storyboard first' }).first().click();
      const error = page.locator('[data-field="topic"]');
      await error.waitFor();
      assert.match(await error.innerText(), /LLM_BASE_URL/);
      await shot(page, '12-template-topic');
    } finally {
      await context.close();
    }
  });
});
