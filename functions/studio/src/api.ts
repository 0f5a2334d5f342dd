// The studio's client of the reelsmith API: same origin, the key (when the service has API_KEYS)
// from localStorage, errors in the API's own shape. The types are the parts of the OpenAPI
// document (/openapi.json) the page reads.

const KEY_STORAGE = 'reelsmith.apiKey';

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: FieldError[];
  constructor(status: number, code: string, message: string, details: FieldError[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export interface Voice {
  voice_id: string;
  name: string;
  provider: string;
  language: string | null;
}

export interface Credit {
  provider: string;
  author: string | null;
  author_url: string | null;
  video_url: string | null;
  /** A photo's page; absent on videos made before photos. */
  photo_url?: string | null;
  /** The line the provider asks for ("Photo by … on Pexels"); absent on older videos. */
  attribution?: string;
}

export interface TaskView {
  task_id: string;
  status: 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';
  stage: string;
  progress: number;
  created_at: string;
  error: { code: string; message: string } | null;
  result: {
    video_url: string;
    duration_s: number;
    width: number;
    height: number;
    size_bytes: number;
    captions_url: string | null;
    captions_srt_url: string | null;
    thumbnail_url: string | null;
    credits: Credit[];
  } | null;
  warnings: string[];
  metadata: Record<string, unknown> | null;
}

export interface StoryboardClip {
  clip_id: number;
  provider: string;
  source_id: string | null;
  author: string | null;
  author_url: string | null;
  video_url: string | null;
  duration_s: number;
  source_start_s: number;
  source_end_s: number;
  thumbnail_url: string;
}

export interface Timed {
  start_s: number;
  end_s: number;
  text: string;
}

export interface StoryboardView {
  storyboard_id: string;
  status: TaskView['status'];
  stage: string;
  progress: number;
  error: { code: string; message: string } | null;
  expires_at: string;
  storyboard: {
    duration_s: number;
    width: number;
    height: number;
    scenes: (Timed & { index: number; query: string })[];
    sentences: Timed[];
    captions: Timed[];
    pieces: { index: number; start_s: number; end_s: number; scene: number; swapped: boolean; clip: StoryboardClip; candidates: StoryboardClip[] }[];
    credits: Credit[];
    estimate: { render_s: number; render_cpu_s: number; cloud_run_usd: number; preset: string; measured_preset: boolean };
    usage: { speech_provider: string; speech_characters: number; pexels_requests: number; clip_downloads: number };
  } | null;
  warnings: string[];
}

export const storedKey = (): string => localStorage.getItem(KEY_STORAGE) ?? '';
export const storeKey = (key: string): void => (key ? localStorage.setItem(KEY_STORAGE, key) : localStorage.removeItem(KEY_STORAGE));

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = storedKey();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch {
    throw new ApiError(0, 'offline', 'the service cannot be reached; check that it is running');
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: answered below
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; details?: FieldError[] } } | null)?.error;
    throw new ApiError(res.status, e?.code ?? 'http_error', e?.message ?? `the service answered ${res.status}`, e?.details ?? []);
  }
  return json as T;
}
