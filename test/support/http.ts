// Small HTTP helpers for tests that talk to the service.
import { pause } from './wait.ts';

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => null)) as any };
}

export async function getJson(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers, redirect: 'manual' });
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

/**
 * Poll a task until it reaches a final status, however long that takes (see waitFor); returns
 * every view seen (to check progress).
 */
export async function pollUntilFinal(statusUrl: string, opts: { headers?: Record<string, string> } = {}) {
  const seen: any[] = [];
  for (;;) {
    const { status, body } = await getJson(statusUrl, opts.headers);
    if (status !== 200) throw new Error(`GET ${statusUrl} → ${status} ${JSON.stringify(body)}`);
    seen.push(body);
    if (['completed', 'failed', 'cancelled'].includes(body.status)) return { final: body, seen };
    await pause(250);
  }
}

/** POST a file to /v1/uploads as multipart, as `curl -F file=@path` does. */
export async function uploadFile(baseUrl: string, file: Buffer, filename: string, headers: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(file)]), filename);
  const res = await fetch(`${baseUrl}/v1/uploads`, { method: 'POST', headers, body: form });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}
