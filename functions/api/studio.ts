// The studio page (GET / and GET /studio) and its assets (GET /studio/assets/{name}), served from
// dist/studio, which `npm run build:studio` builds from functions/studio (scripts/setup.sh and the
// Dockerfile run it), and the caption faces its preview draws with (GET /studio/assets/face-{id}):
// the very files libass draws the video with. No key is needed to load the page: it asks for one
// when the API does.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { CAPTION_FONTS, type CaptionFontId } from '../domain/look.ts';
import { AppError } from '../errors.ts';
import { FACES } from '../media/captions/fonts.ts';
import { packageRoot } from '../lib/package-info.ts';

/**
 * Only this origin, except pictures and video: their signed URLs are another origin's (Cloud
 * Storage; PUBLIC_URL, or http://localhost:PORT locally, whatever name the page was opened by),
 * and blob: for a recording played back from the browser's own copy. Downloads are links, so
 * nothing else is fetched.
 */
const CSP = "default-src 'self'; img-src 'self' http: https: blob:; media-src 'self' http: https: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
};

/** Built asset names: Vite's hashed file names, nothing that could walk out of the folder. */
const ASSET_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.(js|css|svg)$/;

const builtDir = () => join(packageRoot() ?? '.', 'dist', 'studio');

let page: string | null = null;

export async function studioPage(): Promise<Response> {
  const file = join(builtDir(), 'index.html');
  if (!page) {
    if (!existsSync(file)) {
      throw new AppError('studio_not_built', 503, 'the studio page is not built: run npm run build:studio (npm start and the Dockerfile do it)');
    }
    page = await readFile(file, 'utf8');
  }
  return new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'content-security-policy': CSP } });
}

/** A built asset; null when there is no such file. Hashed names never change content: cached for a year. */
export function studioAsset(name: string): Response | null {
  if (!ASSET_NAME.test(name)) return null;
  const path = join(builtDir(), 'assets', name);
  if (!existsSync(path)) return null;
  return new Response(Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>, {
    headers: {
      'content-type': TYPES[extname(name)]!,
      'content-length': String(statSync(path).size),
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    },
  });
}

/**
 * A caption face as `face-<id>` (domain/look.ts CAPTION_FONTS): the installed file the video is
 * drawn with; null for any other name, or a face not installed here.
 */
export function studioFont(name: string): Response | null {
  const face = name.replace(/^face-/, '');
  if (face === name || !(CAPTION_FONTS as readonly string[]).includes(face)) return null;
  const path = FACES[face as CaptionFontId].source.file;
  if (!existsSync(path)) return null;
  return new Response(Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>, {
    headers: {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': String(statSync(path).size),
      'cache-control': 'public, max-age=86400',
      'x-content-type-options': 'nosniff',
    },
  });
}
