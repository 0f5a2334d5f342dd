// A watermark's logo brought in (media/overlays/logo.ts): each accepted format kept as an RGBA PNG
// at its own shape, and what is refused, through the same guard as photos: not an image, an image
// over the limits (refused before it is decoded), and an SVG that names files (drawn without them).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TaskError } from '../../functions/errors.ts';
import { logoFormatOf } from '../../functions/media/probe.ts';
import { LOGO_FILE, prepareLogo } from '../../functions/media/overlays/logo.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { bigPngHeader } from '../support/hostile-media.ts';
import { makeImage } from '../support/media-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';

const tools = resolveMediaTools({});
const signal = new AbortController().signal;
const FIELD = 'watermark.image_url';

/** Each pixel's RGBA of a PNG. */
function rgba(path: string): { w: number; h: number; px: (x: number, y: number) => number[] } {
  const [w, h] = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', path], { encoding: 'utf8' }).trim().split(',').map(Number);
  const data = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], { maxBuffer: 64 * 1024 * 1024 });
  return { w: w!, h: h!, px: (x, y) => [...data.subarray((y * w! + x) * 4, (y * w! + x) * 4 + 4)] };
}

const refused = (re: RegExp) => (err: unknown) => err instanceof TaskError && err.code === 'invalid_watermark' && !err.retryable && re.test(err.message);

describe('a logo brought in', () => {
  it('tells formats by their bytes: PNG, WebP, JPEG, SVG (after an XML declaration or a comment); not HTML', () => {
    assert.equal(logoFormatOf(Buffer.from('<?xml version="1.0"?>\n<!-- logo -->\n<svg xmlns="http://www.w3.org/2000/svg"/>')), 'svg');
    assert.equal(logoFormatOf(Buffer.from('\ufeff<svg width="1" height="1"></svg>')), 'svg');
    assert.equal(logoFormatOf(Buffer.from('<!doctype html><svg></svg>')), null);
    assert.equal(logoFormatOf(Buffer.from('<html><svg></svg></html>')), null);
    assert.equal(logoFormatOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'png');
  });

  it('an SVG is drawn by librsvg at 1024 px across, transparent around its shape', async () => {
    const dir = tempDir('logo-');
    const src = join(dir, 'logo.input');
    writeFileSync(src, '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><circle cx="50" cy="50" r="40" fill="#FF0000"/></svg>');
    const logo = await prepareLogo(tools, src, dir, FIELD, signal);
    assert.deepEqual([logo.path, logo.width, logo.height], [join(dir, LOGO_FILE), 1024, 512]);
    assert.ok(!existsSync(src), 'the download is removed');
    const img = rgba(logo.path);
    assert.deepEqual([img.w, img.h], [1024, 512]);
    assert.deepEqual(img.px(256, 256), [255, 0, 0, 255], 'the circle, sharp and opaque');
    assert.equal(img.px(800, 256)[3], 0, 'transparent beside it');
  });

  it('a bitmap keeps its size (never blown up); a large one comes down to 1024 a side', async () => {
    const dir = tempDir('logo-');
    const small = await makeImage(join(dir, 'small.input'), { width: 120, height: 40, format: 'webp', pattern: 'color', color: 'blue' });
    assert.deepEqual(await prepareLogo(tools, small, dir, FIELD, signal).then((l) => [l.width, l.height]), [120, 40]);
    const big = await makeImage(join(dir, 'big.input'), { width: 2000, height: 500, format: 'jpeg', pattern: 'color', color: 'blue' });
    assert.deepEqual(await prepareLogo(tools, big, dir, FIELD, signal).then((l) => [l.width, l.height]), [1024, 256]);
  });

  it('refuses what is not an image, and an image over the limits before decoding it, naming the field', async () => {
    const dir = tempDir('logo-');
    writeFileSync(join(dir, 'page.input'), '<!doctype html><title>404</title>');
    await assert.rejects(prepareLogo(tools, join(dir, 'page.input'), dir, FIELD, signal), refused(/^watermark\.image_url: the file is not an image .*send a PNG, WebP, SVG or JPEG image$/));
    writeFileSync(join(dir, 'bomb.input'), bigPngHeader(16_000));
    await assert.rejects(prepareLogo(tools, join(dir, 'bomb.input'), dir, FIELD, signal), refused(/^watermark\.image_url: the PNG was refused: its (frame|image) is 16000x16000/));
    writeFileSync(join(dir, 'broken.input'), '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect');
    await assert.rejects(prepareLogo(tools, join(dir, 'broken.input'), dir, FIELD, signal), refused(/^watermark\.image_url: the SVG /));
    assert.ok(!existsSync(join(dir, LOGO_FILE)), 'nothing kept');
  });

  it('an SVG that names a file beside it or on the machine is drawn without it', async () => {
    const dir = tempDir('logo-');
    await makeImage(join(dir, 'secret.png'), { width: 64, height: 64, format: 'png', pattern: 'color', color: 'red' });
    const src = join(dir, 'logo.input');
    writeFileSync(
      src,
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64">' +
        `<image x="0" y="0" width="64" height="64" xlink:href="secret.png"/><image x="0" y="0" width="64" height="64" href="file://${join(dir, 'secret.png')}"/></svg>`,
    );
    const logo = await prepareLogo(tools, src, dir, FIELD, signal).catch((err: unknown) => err);
    // Either refused, or drawn with nothing from the files it names.
    if (logo instanceof Error) assert.ok(refused(/^watermark\.image_url: /)(logo), String(logo));
    else assert.equal(rgba((logo as { path: string }).path).px(512, 512)[3], 0, 'nothing of the named files is drawn');
  });
});
