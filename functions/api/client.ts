// A client of this service's HTTP API, for the CLI's remote commands and the MCP tools. Errors
// keep the API's code and message; a service that cannot be reached is a different error. The
// answers' types are inferred from the schemas the service validates and documents them with.
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import type { BatchView } from '../domain/batch-view.ts';
import type { ScriptRequest, WrittenScript } from '../domain/script.ts';
import type { TemplateBody } from '../domain/template.ts';
import type { TaskView } from '../domain/task-view.ts';
import type { BatchSubmit } from './batch-spec.ts';
import type { TemplateView } from './template-spec.ts';
import type { UploadRecord } from '../domain/uploads.ts';
import { ApiError } from './api-error.ts';
import type { SubmitResponse, TaskList, VoiceList } from './schemas.ts';

/** The service could not be reached, or did not answer in our shape. */
export class UnreachableError extends Error {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts);
    this.name = 'UnreachableError';
  }
}

export interface ClientOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  /** Sent with every request instead of the key: the MCP endpoint forwards its caller's own. */
  headers?: Record<string, string>;
  /** Where requests go; the MCP endpoint passes the app itself, in process. */
  fetch?: (req: Request) => Promise<Response>;
}

export class ReelsmithClient {
  readonly baseUrl: string;
  readonly #auth: Record<string, string>;
  readonly #fetch: (req: Request) => Promise<Response>;

  constructor(opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.#auth = opts.headers ?? (opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {});
    this.#fetch = opts.fetch ?? ((req) => fetch(req));
  }

  submit(body: unknown, opts: { idempotencyKey?: string | undefined } = {}): Promise<SubmitResponse> {
    return this.#call('POST', '/v1/videos', body, opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {});
  }

  get(id: string): Promise<TaskView> {
    return this.#call('GET', `/v1/videos/${encodeURIComponent(id)}`);
  }

  list(opts: { limit?: number; cursor?: string | null } = {}): Promise<TaskList> {
    const q = new URLSearchParams();
    if (opts.limit) q.set('limit', String(opts.limit));
    if (opts.cursor) q.set('cursor', opts.cursor);
    return this.#call('GET', `/v1/videos${q.size ? `?${q}` : ''}`);
  }

  cancel(id: string): Promise<TaskView> {
    return this.#call('DELETE', `/v1/videos/${encodeURIComponent(id)}`);
  }

  /** POST /v1/uploads: a recording on this machine, streamed from disk; its upload_id goes in voiceover.upload_id. */
  async upload(path: string): Promise<UploadRecord> {
    const form = new FormData();
    form.append('file', await openAsBlob(path), basename(path));
    return this.#call('POST', '/v1/uploads', form);
  }

  voices(): Promise<VoiceList> {
    return this.#call('GET', '/v1/voices');
  }

  /** A script written from a topic (POST /v1/scripts). */
  writeScript(body: Partial<ScriptRequest> & { topic: string }): Promise<WrittenScript> {
    return this.#call('POST', '/v1/scripts', body);
  }

  createBatch(body: unknown, opts: { idempotencyKey?: string | undefined } = {}): Promise<BatchSubmit> {
    return this.#call('POST', '/v1/batches', body, opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {});
  }

  getBatch(id: string): Promise<BatchView> {
    return this.#call('GET', `/v1/batches/${encodeURIComponent(id)}`);
  }

  cancelBatch(id: string): Promise<BatchView> {
    return this.#call('DELETE', `/v1/batches/${encodeURIComponent(id)}`);
  }

  templates(): Promise<{ data: TemplateView[] }> {
    return this.#call('GET', '/v1/templates');
  }

  template(id: string): Promise<TemplateView> {
    return this.#call('GET', `/v1/templates/${encodeURIComponent(id)}`);
  }

  saveTemplate(body: TemplateBody, id?: string): Promise<TemplateView> {
    return id ? this.#call('PUT', `/v1/templates/${encodeURIComponent(id)}`, body) : this.#call('POST', '/v1/templates', body);
  }

  async deleteTemplate(id: string): Promise<void> {
    const res = await this.#send('DELETE', `/v1/templates/${encodeURIComponent(id)}`);
    if (!res.ok) throw await errorOf(res);
  }

  /** The signed URL GET /download/{id} redirects to (fetch it without the API key). */
  async downloadUrl(id: string): Promise<string> {
    const res = await this.#send('GET', `/download/${encodeURIComponent(id)}`);
    const location = res.headers.get('location');
    if (res.status === 302 && location) return location;
    throw await errorOf(res);
  }

  async #call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await this.#send(method, path, body, headers);
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as T;
  }

  async #send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const req = new Request(`${this.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...this.#auth,
        // A form sets its own multipart content-type, boundary included.
        ...(body === undefined || body instanceof FormData ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
    });
    try {
      return await this.#fetch(req);
    } catch (err) {
      throw new UnreachableError(`cannot reach ${this.baseUrl}: ${describe(err)}`, { cause: err });
    }
  }
}

async function errorOf(res: Response): Promise<Error> {
  const text = await res.text().catch(() => '');
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON, so not our error shape: below
  }
  return ApiError.of(res.status, body) ?? new UnreachableError(`the service answered ${res.status} ${res.statusText} without a reelsmith error (is the URL right?)`);
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}
