// A loopback Pexels API (videos and photos) that keeps to the documented contract
// (/work/shared/reference/elevenlabs-pexels-contracts.md §2, and Pexels' API documentation for
// photos): raw-key `Authorization`, the edge's refusal of library user agents, both `/videos/...`
// and `/v1/videos/...`, `/v1/search`, `/v1/curated` and `/v1/photos/:id` for photos, per_page up
// to 80, `next_page` only when there is one, X-Ratelimit-* on 2xx answers only (one monthly quota
// for videos and photos), hd/sd/uhd renditions plus an hls entry with null sizes, the eight `src`
// sizes of a photo. The files it serves are real: MP4s made on first request (testsrc2 pattern,
// H.264), and images from its image CDN at the size the URL asks for (`w`, `h`, `dpr`,
// `fit=crop`, as imgix does; never larger than the original), or garbage bytes for media marked
// corrupt.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { makeImage, makeVideo, type Pattern } from '../support/media-fixtures.ts';
import { delay, listen, readBody, record, send, type RecordedRequest, type ScriptedResponse } from './server.ts';
import { tempDir } from '../support/temp-dir.ts';

export const FAKE_PEXELS_KEY = 'fake-pexels-key';

export interface FakeRendition {
  quality: string;
  width: number;
  height: number;
  fps: number;
}

export interface FakePexelsVideo {
  id: number;
  /** Whole seconds, as Pexels reports; the served files last exactly this long. */
  durationS: number;
  width: number;
  height: number;
  user: { id: number; name: string; url: string };
  renditions: FakeRendition[];
  /** Words a query must contain one of to find it; empty matches every query. */
  tags: string[];
  /** Its files are served as bytes that are not a video. */
  corrupt?: boolean;
  /** Its files answer 404 (a dead CDN link). */
  missing?: boolean;
  pattern?: Pattern;
  color?: string;
  /** What it shows: its page URL's name on pexels.com ("snowy-mountain-peaks-4000001"), as real results have. */
  title?: string;
}

/** A video's page on pexels.com: named after what it shows when it has a title, as real ones are. */
const pageUrl = (kind: 'video' | 'photo', id: number, title?: string) =>
  `https://www.pexels.com/${kind}/${title ? `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${id}` : `fake-${id}`}/`;

export interface FakePexelsPhoto {
  id: number;
  /** The original's size. */
  width: number;
  height: number;
  photographer: { id: number; name: string; url: string };
  /** Words a query must contain one of to find it; empty matches every query. */
  tags: string[];
  /** The original's format (its `src.original` ends .jpeg, .png or .webp); JPEG by default. */
  format?: 'jpeg' | 'png' | 'webp';
  pattern?: 'testsrc2' | 'color' | 'split';
  color?: string;
  /** Its files are served as bytes that are not an image. */
  corrupt?: boolean;
  /** Its files answer 404. */
  missing?: boolean;
}

export interface FakePexelsOptions {
  apiKey?: string;
  videos?: FakePexelsVideo[];
  photos?: FakePexelsPhoto[];
  /** Monthly quota as reported in X-Ratelimit-*; every API request uses one. At 0 the API answers 429. */
  rateLimit?: { limit: number; remaining: number; resetAt: number };
  /** Status for a wrong or missing key: go-pexels saw 403, others 401. */
  badKeyStatus?: 401 | 403;
  /** Answer library default user agents (python-requests, node, none) with 403, as Pexels' edge does. */
  rejectLibraryUserAgents?: boolean;
  /** Sent with the 429 of an exhausted quota (Pexels' real 429 carries no such header). */
  retryAfterOn429?: string | null;
  /** Delay before each API answer. */
  delayMs?: number;
  /** Delay before each file answer. */
  fileDelayMs?: number;
  /** While set, video file answers wait for it (or for the client to go away): downloads pile up to the client's limit. */
  holdFiles?: Promise<void> | null;
}

type Knobs = Required<Omit<FakePexelsOptions, 'videos' | 'photos'>>;

export interface FakePexels {
  url: string;
  requests: RecordedRequest[];
  options: Knobs;
  videos: FakePexelsVideo[];
  photos: FakePexelsPhoto[];
  /** The next N API requests (after auth) get these answers instead, in order. */
  failNext(...responses: ScriptedResponse[]): void;
  /** Requests for video files (downloads), in order. */
  fileRequests(): RecordedRequest[];
  /** Requests to the image CDN (photo downloads), in order. */
  photoRequests(): RecordedRequest[];
  /** File downloads being served now. */
  filesInFlight(): number;
  /** Most file downloads that were being served at the same moment. */
  maxFilesInFlight(): number;
  /** The link of a video's rendition, as the API lists it. */
  fileUrl(videoId: number, r: FakeRendition): string;
  close(): Promise<void>;
}

/** Portrait renditions as Pexels lists them for a 9:16 video, smallest first, plus a uhd one. */
export function portraitRenditions(): FakeRendition[] {
  return [
    { quality: 'sd', width: 360, height: 640, fps: 25 },
    { quality: 'sd', width: 540, height: 960, fps: 25 },
    { quality: 'hd', width: 720, height: 1280, fps: 25 },
    { quality: 'hd', width: 1080, height: 1920, fps: 25 },
    { quality: 'uhd', width: 2160, height: 3840, fps: 25 },
  ];
}

export function landscapeRenditions(): FakeRendition[] {
  return portraitRenditions().map((r) => ({ ...r, width: r.height, height: r.width }));
}

export function squareRenditions(): FakeRendition[] {
  return [
    { quality: 'sd', width: 540, height: 540, fps: 25 },
    { quality: 'hd', width: 1080, height: 1080, fps: 25 },
  ];
}

const AUTHORS = ['Ruvim Miksanskiy', 'Kelly Lacy', 'Mikhail Nilov', 'Taryn Elliott', 'Pressmaster', 'Tima Miroshnichenko'];

/** A small catalogue: eight portrait, four landscape and two square videos of 3–5 s. */
export function defaultCatalog(): FakePexelsVideo[] {
  const videos: FakePexelsVideo[] = [];
  const add = (renditions: FakeRendition[], n: number) => {
    for (let i = 0; i < n; i++) {
      const id = 1_000_001 + videos.length;
      const author = AUTHORS[videos.length % AUTHORS.length] as string;
      const biggest = renditions.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
      videos.push({
        id,
        durationS: 3 + (videos.length % 3),
        width: biggest.width,
        height: biggest.height,
        user: { id: 500 + videos.length, name: author, url: `https://www.pexels.com/@${author.toLowerCase().replace(/\s+/g, '-')}` },
        renditions,
        tags: [],
      });
    }
  };
  add(portraitRenditions(), 8);
  add(landscapeRenditions(), 4);
  add(squareRenditions(), 2);
  return videos;
}

/** A small catalogue of photos: eight portrait (4000x6000), four landscape (6000x4000), two square (4000x4000). */
export function defaultPhotos(): FakePexelsPhoto[] {
  const sizes = [...Array<[number, number]>(8).fill([4000, 6000]), ...Array<[number, number]>(4).fill([6000, 4000]), ...Array<[number, number]>(2).fill([4000, 4000])];
  return sizes.map(([width, height], i) => {
    const name = AUTHORS[(i + 2) % AUTHORS.length] as string;
    return { id: 3_000_001 + i, width, height, photographer: { id: 700 + i, name, url: `https://www.pexels.com/@${name.toLowerCase().replace(/\s+/g, '-')}` }, tags: [] };
  });
}

/**
 * The media every fake of this process serves, made once: a file's bytes depend only on its key
 * (size, rate, length, picture), and a test file starts many fakes that serve the same clips.
 * A failed make is forgotten, so the next request tries again.
 */
const made = new Map<string, Promise<Buffer>>();
let madeDir: string | undefined;

function makeOnce(key: string, make: (path: string) => Promise<unknown>): Promise<Buffer> {
  let bytes = made.get(key);
  if (!bytes) {
    const path = join((madeDir ??= tempDir('fake-pexels-')), key);
    bytes = make(path).then(() => readFile(path));
    bytes.catch(() => made.delete(key));
    made.set(key, bytes);
  }
  return bytes;
}

const LIBRARY_AGENTS = /^(python-requests|python-urllib|node$|undici|axios|go-http-client|curl)/i;

export async function startFakePexels(opts: FakePexelsOptions = {}): Promise<FakePexels> {
  const videos = opts.videos ?? defaultCatalog();
  const photos = opts.photos ?? defaultPhotos();
  const options: Knobs = {
    apiKey: opts.apiKey ?? FAKE_PEXELS_KEY,
    rateLimit: opts.rateLimit ?? { limit: 20_000, remaining: 19_684, resetAt: Math.floor(Date.now() / 1000) + 86_400 * 20 },
    badKeyStatus: opts.badKeyStatus ?? 403,
    rejectLibraryUserAgents: opts.rejectLibraryUserAgents ?? true,
    retryAfterOn429: opts.retryAfterOn429 ?? null,
    delayMs: opts.delayMs ?? 0,
    fileDelayMs: opts.fileDelayMs ?? 0,
    holdFiles: opts.holdFiles ?? null,
  };
  const requests: RecordedRequest[] = [];
  const scripted: ScriptedResponse[] = [];
  let base = '';
  let filesInFlight = 0;
  let maxFilesInFlight = 0;

  const fileName = (v: FakePexelsVideo, r: FakeRendition) => `${v.id}-${r.quality}_${r.width}_${r.height}_${r.fps}fps.mp4`;
  const fileUrl = (videoId: number, r: FakeRendition) => {
    const v = videos.find((x) => x.id === videoId);
    if (!v) throw new Error(`no fake video ${videoId}`);
    return `${base}/video-files/${v.id}/${fileName(v, r)}`;
  };

  /** Real MP4 bytes, made once per distinct picture and shared by the videos that look alike. */
  function fileBytes(v: FakePexelsVideo, r: FakeRendition): Promise<Buffer> {
    const key = `${r.width}x${r.height}-${r.fps}-${v.durationS}-${v.pattern ?? 'testsrc2'}-${v.color ?? ''}.mp4`;
    return makeOnce(key, (path) =>
      makeVideo(path, {
        width: r.width,
        height: r.height,
        durationS: v.durationS,
        fps: r.fps,
        ...(v.pattern ? { pattern: v.pattern } : {}),
        ...(v.color ? { color: v.color } : {}),
      }),
    );
  }

  function videoJson(v: FakePexelsVideo) {
    const files = v.renditions.map((r, i) => ({
      id: v.id * 10 + i,
      quality: r.quality,
      file_type: 'video/mp4',
      width: r.width,
      height: r.height,
      fps: r.fps === 25 ? 25 : Number((r.fps * 1000 / 1001).toFixed(3)),
      link: fileUrl(v.id, r),
    }));
    // An adaptive-streaming playlist: listed as video/mp4 with null sizes, as real responses do.
    files.push({ id: v.id * 10 + 9, quality: 'hls', file_type: 'video/mp4', width: null, height: null, fps: null, link: `${base}/external/${v.id}.m3u8?s=fake` } as never);
    return {
      id: v.id,
      width: v.width,
      height: v.height,
      url: pageUrl('video', v.id, v.title),
      image: `https://images.pexels.com/videos/${v.id}/free-video-${v.id}.jpg?fit=crop&w=1200&h=630&auto=compress&cs=tinysrgb`,
      full_res: null,
      tags: [],
      duration: v.durationS,
      avg_color: null,
      user: v.user,
      video_files: files,
      video_pictures: [{ id: v.id * 100, picture: `https://images.pexels.com/videos/${v.id}/pictures/preview-0.jpg`, nr: 0 }],
    };
  }

  const ext = (p: FakePexelsPhoto) => (p.format === 'png' ? 'png' : p.format === 'webp' ? 'webp' : 'jpeg');
  const photoOriginal = (p: FakePexelsPhoto) => `${base}/photos/${p.id}/pexels-photo-${p.id}.${ext(p)}`;
  /** The eight sizes Pexels lists, with the CDN parameters its documentation shows for each. */
  function photoJson(p: FakePexelsPhoto) {
    const o = photoOriginal(p);
    const q = (params: string) => `${o}?auto=compress&cs=tinysrgb&${params}`;
    return {
      id: p.id,
      width: p.width,
      height: p.height,
      url: `https://www.pexels.com/photo/fake-${p.id}/`,
      photographer: p.photographer.name,
      photographer_url: p.photographer.url,
      photographer_id: p.photographer.id,
      avg_color: '#978E82',
      src: {
        original: o,
        large2x: q('dpr=2&h=650&w=940'),
        large: q('h=650&w=940'),
        medium: q('h=350'),
        small: q('h=130'),
        portrait: q('fit=crop&h=1200&w=800'),
        landscape: q('fit=crop&h=627&w=1200'),
        tiny: q('dpr=1&fit=crop&h=200&w=280'),
      },
      liked: false,
      alt: `Fake photo ${p.id}`,
    };
  }

  /**
   * The size the image CDN serves for a photo's query string, as imgix does: `w` and/or `h`
   * (times `dpr`) fit inside the box keeping the aspect, `fit=crop` fills the box exactly and
   * crops the middle; never larger than the original.
   */
  function servedSize(p: FakePexelsPhoto, q: Record<string, string>): { width: number; height: number; crop: boolean } {
    const dpr = Math.max(1, Math.min(5, Number(q.dpr) || 1));
    const w = Number(q.w) > 0 ? Number(q.w) * dpr : 0;
    const h = Number(q.h) > 0 ? Number(q.h) * dpr : 0;
    if (q.fit === 'crop' && w && h) {
      const k = Math.min(1, p.width / w, p.height / h);
      return { width: Math.round(w * k), height: Math.round(h * k), crop: true };
    }
    const k = Math.min(1, w ? w / p.width : Infinity, h ? h / p.height : Infinity);
    const scale = Number.isFinite(k) ? k : 1;
    return { width: Math.max(1, Math.round(p.width * scale)), height: Math.max(1, Math.round(p.height * scale)), crop: false };
  }

  function photoBytes(p: FakePexelsPhoto, size: { width: number; height: number }): Promise<Buffer> {
    const { width, height } = size;
    const key = `photo-${width}x${height}-${ext(p)}-${p.pattern ?? 'testsrc2'}-${p.color ?? ''}.img`;
    return makeOnce(key, (path) => makeImage(path, { width, height, format: ext(p), pattern: p.pattern ?? 'testsrc2', ...(p.color ? { color: p.color } : {}) }));
  }

  async function handlePhotoFile(r: RecordedRequest, res: ServerResponse): Promise<void> {
    const m = /^\/photos\/(\d+)\/pexels-photo-(\d+)\.(jpeg|png|webp)$/.exec(r.path);
    const p = m && m[1] === m[2] ? photos.find((x) => x.id === Number(m[1]) && ext(x) === m[3]) : undefined;
    await delay(options.fileDelayMs, res);
    if (res.destroyed) return;
    if (!p || p.missing) return send(res, 404, 'Not Found', { 'content-type': 'text/plain' });
    const bytes = p.corrupt ? Buffer.from('<html><body>this is not an image</body></html>\n'.repeat(40)) : await photoBytes(p, servedSize(p, r.query));
    res.writeHead(200, { 'content-type': p.corrupt ? 'text/html' : `image/${ext(p)}`, 'content-length': String(bytes.length) });
    await new Promise<void>((resolve) => res.end(bytes, resolve));
  }

  const orientationOf = (v: { width: number; height: number }) => (v.height > v.width ? 'portrait' : v.width > v.height ? 'landscape' : 'square');
  const matches = (v: { tags: string[] }, query: string) => {
    if (v.tags.length === 0) return true;
    const words = query.toLowerCase().split(/\s+/);
    return words.some((w) => v.tags.includes(w));
  };

  function rateHeaders(): Record<string, string> {
    return {
      'X-Ratelimit-Limit': String(options.rateLimit.limit),
      'X-Ratelimit-Remaining': String(options.rateLimit.remaining),
      'X-Ratelimit-Reset': String(options.rateLimit.resetAt),
    };
  }

  async function handleFile(r: RecordedRequest, res: ServerResponse): Promise<void> {
    const m = /^\/video-files\/(\d+)\/([^/]+)$/.exec(r.path);
    const v = m ? videos.find((x) => x.id === Number(m[1])) : undefined;
    const rendition = v?.renditions.find((x) => fileName(v, x) === m?.[2]);
    filesInFlight++;
    maxFilesInFlight = Math.max(maxFilesInFlight, filesInFlight);
    try {
      await delay(options.fileDelayMs, res);
      if (options.holdFiles) await Promise.race([options.holdFiles, new Promise((r) => res.once('close', r))]);
      if (res.destroyed) return;
      if (!v || !rendition || v.missing) return send(res, 404, 'Not Found', { 'content-type': 'text/plain' });
      const bytes = v.corrupt
        ? Buffer.from('<html><body>this is not a video</body></html>\n'.repeat(400))
        : await fileBytes(v, rendition);
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(bytes.length), 'accept-ranges': 'bytes' });
      await new Promise<void>((resolve) => res.end(bytes, resolve));
    } finally {
      filesInFlight--;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const r = record(req, await readBody(req));
    requests.push(r);
    const ua = r.headers['user-agent'] ?? '';
    if (options.rejectLibraryUserAgents && (!ua || LIBRARY_AGENTS.test(ua))) {
      // Cloudflare's block page, not JSON.
      return send(res, 403, '<!DOCTYPE html><title>Attention Required! | Cloudflare</title>', { 'content-type': 'text/html' });
    }
    if (r.path.startsWith('/video-files/')) return handleFile(r, res);
    if (r.path.startsWith('/photos/')) return handlePhotoFile(r, res);
    if (r.path.startsWith('/external/')) return send(res, 200, '#EXTM3U\n', { 'content-type': 'application/vnd.apple.mpegurl' });

    const route = /^(?:\/v1)?\/videos\/(search|popular|videos\/(\d+))\/?$/.exec(r.path);
    const photoRoute = /^\/v1\/(search|curated|photos\/(\d+))\/?$/.exec(r.path);
    if (req.method !== 'GET' || !(route || photoRoute)) return send(res, 404, { status: 404, error: 'Not Found' });
    if (r.headers.authorization !== options.apiKey) {
      return send(res, options.badKeyStatus, { error: 'Access to this API has been disallowed' });
    }
    const next = scripted.shift();
    if (next) {
      await delay(next.delayMs ?? 0, res);
      return send(res, next.status, next.body ?? '', next.headers ?? {});
    }
    if (options.rateLimit.remaining <= 0) {
      return send(res, 429, { error: 'Rate limit exceeded' }, options.retryAfterOn429 ? { 'retry-after': options.retryAfterOn429 } : {});
    }
    options.rateLimit.remaining--;
    await delay(options.delayMs, res);
    if (res.destroyed) return;

    const query = r.query.query ?? '';
    const perPage = Math.min(80, Math.max(1, Number(r.query.per_page) || 15));
    const page = Math.max(1, Math.floor(Number(r.query.page) || 1));
    const orientation = r.query.orientation;
    /** The envelope of a paginated answer; next_page and prev_page only when there is such a page. */
    const pageOf = <T>(found: T[], list: 'videos' | 'photos', path: string, withQuery: boolean, json: (x: T) => unknown) => {
      const link = (p: number) => `${base}${path}?${new URLSearchParams({ page: String(p), per_page: String(perPage), ...(withQuery ? { query } : {}) })}`;
      return {
        page,
        per_page: perPage,
        total_results: found.length,
        url: `https://www.pexels.com/search/${list === 'videos' ? 'videos/' : ''}${encodeURIComponent(query)}/`,
        [list]: found.slice((page - 1) * perPage, page * perPage).map(json),
        ...(page > 1 ? { prev_page: link(page - 1) } : {}),
        ...(page * perPage < found.length ? { next_page: link(page + 1) } : {}),
      };
    };

    if (photoRoute) {
      if (photoRoute[2]) {
        const p = photos.find((x) => x.id === Number(photoRoute[2]));
        return p ? send(res, 200, photoJson(p), rateHeaders()) : send(res, 404, { status: 404, error: 'Not Found' });
      }
      const search = photoRoute[1] === 'search';
      if (search && !query.trim()) return send(res, 400, { error: 'query is required' });
      // Minimum sizes: large 24 MP, medium 12 MP, small 4 MP.
      const minPixels = { large: 24e6, medium: 12e6, small: 4e6 }[r.query.size ?? ''] ?? 0;
      const found = photos.filter((p) => (!search || matches(p, query)) && (!orientation || orientationOf(p) === orientation) && p.width * p.height >= minPixels);
      return send(res, 200, pageOf(found, 'photos', `/v1/${photoRoute[1]}/`, search, photoJson), rateHeaders());
    }
    const videoRoute = route!;
    if (videoRoute[2]) {
      const v = videos.find((x) => x.id === Number(videoRoute[2]));
      return v ? send(res, 200, videoJson(v), rateHeaders()) : send(res, 404, { status: 404, error: 'Not Found' });
    }
    if (videoRoute[1] === 'search' && !query.trim()) return send(res, 400, { error: 'query is required' });
    const minDuration = Number(r.query.min_duration) || 0;
    const found = videos.filter(
      (v) =>
        (videoRoute[1] === 'popular' || matches(v, query)) &&
        (!orientation || orientationOf(v) === orientation) &&
        v.durationS >= minDuration,
    );
    send(res, 200, pageOf(found, 'videos', `/v1/videos/${videoRoute[1]}/`, videoRoute[1] === 'search', videoJson), rateHeaders());
  }

  const srv = await listen(handle);
  base = srv.url;
  return {
    url: srv.url,
    requests,
    options,
    videos,
    photos,
    failNext: (...responses) => scripted.push(...responses),
    fileRequests: () => requests.filter((r) => r.path.startsWith('/video-files/')),
    photoRequests: () => requests.filter((r) => r.path.startsWith('/photos/')),
    fileUrl,
    filesInFlight: () => filesInFlight,
    maxFilesInFlight: () => maxFilesInFlight,
    close: () => srv.close(),
  };
}
