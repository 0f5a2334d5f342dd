// The studio's client of the reelsmith API: same origin, the key (when the service has API_KEYS)
// from localStorage, errors as the one ApiError the service's other clients throw. The types are
// the service's own, inferred from the zod schemas it validates and documents its answers with;
// they are imported as types only, so the bundle carries none of that code (nor zod).
import { ApiError } from '../../api/api-error.ts';
import type { SubmitResponse, TaskList, VoiceList } from '../../api/schemas.ts';
import type { ClipView, StoryboardSubmit, StoryboardView } from '../../api/storyboard-view.ts';
import type { TemplateView } from '../../api/template-spec.ts';
import type { TaskView } from '../../domain/task-view.ts';
import type { UploadRecord } from '../../domain/uploads.ts';

export { ApiError };
export type { StoryboardSubmit, StoryboardView, SubmitResponse, TaskList, TaskView, TemplateView, UploadRecord, VoiceList };
export type Voice = VoiceList['data'][number];
export type StoryboardClip = ClipView;

const KEY_STORAGE = 'reelsmith.apiKey';

export const storedKey = (): string => localStorage.getItem(KEY_STORAGE) ?? '';
export const storeKey = (key: string): void => (key ? localStorage.setItem(KEY_STORAGE, key) : localStorage.removeItem(KEY_STORAGE));

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = storedKey();
  if (key) headers.authorization = `Bearer ${key}`;
  // A form (an upload) sets its own multipart content-type.
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: form ? body : JSON.stringify(body) }) });
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
  if (!res.ok) throw ApiError.of(res.status, json) ?? new ApiError(res.status, 'http_error', `the service answered ${res.status}`);
  return json as T;
}

/** POST /v1/uploads: a recording (a chosen file, or one made here) kept by the service for a video to use. */
export function uploadRecording(audio: Blob, name: string): Promise<UploadRecord> {
  const form = new FormData();
  form.append('file', audio, name);
  return api<UploadRecord>('POST', '/v1/uploads', form);
}
