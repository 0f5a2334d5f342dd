// The studio page in a real browser: Debian's Chromium driven by playwright-core, against the
// service started here on the ElevenLabs and Pexels fakes, with API_KEYS on. The scenario of issue
// 16: the key asked for once; compose two scenes; the storyboard; swap a clip; render; the player
// loads the video; download the SRT; cancel a second render; an invalid form shows the API's field
// error next to the field. Then the page's accessibility (labels, keyboard, contrast) and a phone
// width, and the page without API_KEYS. A screenshot of each step goes to test-results/studio/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import type { FakePexelsVideo } from '../fakes/index.ts';
import { getJson } from '../support/http.ts';
import { withService } from '../support/with-service.ts';

const CHROMIUM = '/usr/bin/chromium';
const KEY = 'studio-key-1';
const OUT = resolve(import.meta.dirname, '../../test-results/studio');

function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: scripts/setup.sh --test installs it`);
  return `${CHROMIUM} is not installed (scripts/setup.sh --test installs it)`;
}

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

describe('the studio page in Chromium', { skip: browserSkip() }, () => {
  const service = withService({ elevenlabs: true, pexels: { videos: catalog() }, env: { API_KEYS: KEY } });
  let browser: Browser;
  const auth = { authorization: `Bearer ${KEY}` };

  before(async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('compose, storyboard, swap, render, play, download, cancel, and a field error', async () => {
    const context = await newContext(browser, { viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const outside = await loopbackOnly(context);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));

    // The key, asked for once and kept.
    await page.goto(`${service.url}/`);
    await page.getByLabel('API key').fill(KEY);
    await shot(page, '01-key');
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    assert.equal(await page.getByLabel('API key').count(), 0, 'the key is not asked for again');

    // Two scenes, karaoke captions at the top: the preview follows.
    await field(page, 'scenes.0.text').fill('Mountains are older than you think. They rise over long ages.');
    await field(page, 'scenes.0.search_query').fill('mountains');
    await field(page, 'scenes.1.text').fill('Rivers carve them, grain by grain, and carry them to the sea.');
    await field(page, 'scenes.1.search_query').fill('river');
    await page.getByLabel('Style').selectOption('karaoke');
    await page.getByLabel('Position').selectOption('top');
    // The smaller size keeps the renders below cheap (the form starts at the API's 1080p).
    await page.getByLabel('Resolution').selectOption('720p');
    assert.match((await page.locator('.preview .caption').getAttribute('class'))!, /style-karaoke.*at-top/);
    await shot(page, '02-compose');

    // The storyboard: a strip of thumbnails under the sentences, with duration and estimate.
    await page.getByRole('button', { name: 'Make storyboard' }).click();
    // Preparing is a worker's job (voice, footage, thumbnails): as long as it takes on a busy machine.
    await page.locator('.strip .piece img').first().waitFor();
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('.strip .piece img')).every((i) => i.complete && i.naturalWidth > 0));
    assert.ok((await page.locator('.strip .piece').count()) >= 2);
    assert.match(await page.getByTestId('storyboard-duration').innerText(), /^\d+\.\d s$/);
    assert.match(await page.locator('.facts').innerText(), /Render estimate\s+about [\d.]+ s on a worker/);
    await shot(page, '03-storyboard');

    // Swap one clip for a candidate.
    const piece = page.locator('.strip .piece').filter({ has: page.getByRole('button', { name: /^Swap clip/ }) }).first();
    const before = await piece.locator('img').getAttribute('data-clip');
    await piece.getByRole('button', { name: /^Swap clip/ }).click();
    const candidate = page.locator('.candidates .candidate').first();
    const chosen = await candidate.getAttribute('data-clip');
    await shot(page, '04-candidates');
    await candidate.click();
    const index = await piece.getAttribute('data-piece');
    await page.locator(`.strip .piece.swapped[data-piece="${index}"] img[data-clip="${chosen}"]`).waitFor();
    assert.notEqual(before, chosen);
    await shot(page, '05-swapped');

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
    await shot(page, '06-player');

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
      await page.getByRole('button', { name: 'Render without a storyboard' }).click();
      await page.getByTestId('render-status').filter({ hasText: /Voice|Waiting/ }).waitFor();
      await shot(page, '07-rendering');
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
    await shot(page, '08-cancelled');

    // An invalid field: the API's message next to it, the field marked and focused.
    await field(page, 'scenes.1.clip_url').fill('ftp://example.com/clip.mp4');
    await page.getByRole('button', { name: 'Make storyboard' }).click();
    const error = page.locator('[data-field="scenes.1.clip_url"]');
    await error.waitFor();
    assert.match(await error.innerText(), /http\(s\)/);
    assert.equal(await field(page, 'scenes.1.clip_url').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'scenes.1.clip_url');
    assert.equal(await field(page, 'scenes.1.clip_url').getAttribute('aria-describedby'), 'scenes.1.clip_url-error');
    await shot(page, '09-field-error');

    assert.deepEqual(pageErrors, []);
    assert.deepEqual(outside, [], 'the page asked for nothing outside this service');
    await context.close();
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
    assert.ok(reached.has('scenes.0.text'), [...reached].join(' | '));
    assert.ok(reached.has('Make storyboard'), [...reached].join(' | '));

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

  it('fits a phone-width screen', async () => {
    const context = await newContext(browser, { viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await context.addInitScript((key) => localStorage.setItem('reelsmith.apiKey', key), KEY);
    const page = await context.newPage();
    await page.goto(`${service.url}/`);
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
    const box = await page.getByRole('button', { name: 'Make storyboard' }).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 375 && box.height >= 24, JSON.stringify(box));
    await shot(page, '10-phone');
    await context.close();
  });
});

describe('the studio page without API_KEYS', { skip: browserSkip() }, () => {
  const service = withService();

  it('opens on the form, with the offline voices, no key asked', async () => {
    const browser = await launch();
    try {
      const page = await (await newContext(browser)).newPage();
      await page.goto(`${service.url}/`);
      await page.getByRole('heading', { name: 'Compose' }).waitFor();
      assert.equal(await page.getByLabel('API key').count(), 0);
      await page.waitForFunction(() => document.querySelectorAll('#voice_id option').length > 1);
      await shot(page, '11-no-keys');
    } finally {
      await browser.close();
    }
  });
});
