// The service's OpenAPI document as a test oracle: JSON Schema (2020-12) checks of examples,
// requests and live responses against what the document promises.
import assert from 'node:assert/strict';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { openApiDocument } from '../../functions/api/document.ts';

// ajv-formats is CommonJS: its default export arrives as the module object under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => void;

export type Doc = Record<string, any>;

let cached: Doc | null = null;
export function documentUnderTest(): Doc {
  return (cached ??= openApiDocument({}));
}

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

export class DocumentChecker {
  readonly doc: Doc;
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(doc: Doc = documentUnderTest()) {
    this.doc = doc;
    // Strict: an unknown keyword or a bad type in a schema fails compilation (OpenAPI validators miss those).
    this.#ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });
    this.#ajv.addVocabulary(['example', 'components', 'paths', 'webhooks', 'openapi', 'info', 'servers', 'tags', 'x-worker-only', 'x-local-only']);
    addFormats(this.#ajv);
    this.#ajv.addSchema({ ...structuredClone(doc), $id: 'doc' }, 'doc');
  }

  /** The compiled schema at a JSON pointer into the document (e.g. `components/schemas/TaskView`). */
  schemaAt(path: string): ValidateFunction {
    let v = this.#compiled.get(path);
    if (!v) {
      v = this.#ajv.compile({ $ref: `doc#/${path}` });
      this.#compiled.set(path, v);
    }
    return v;
  }

  /** Errors of `value` against the schema at `path`, or null. */
  check(path: string, value: unknown): string | null {
    const v = this.schemaAt(path);
    return v(value) ? null : this.#ajv.errorsText(v.errors, { dataVar: path });
  }

  /** A live answer must be documented for its route and status, and match the documented schema. */
  assertResponse(method: string, route: string, res: { status: number; headers: Headers; body: unknown }): void {
    const op = this.doc.paths[route]?.[method.toLowerCase()];
    assert.ok(op, `${method} ${route} is not in the document`);
    const documented = op.responses[String(res.status)];
    assert.ok(documented, `${method} ${route} answered ${res.status}, which the document does not list`);
    for (const name of Object.keys(documented.headers ?? {})) {
      assert.ok(res.headers.get(name), `${method} ${route} ${res.status}: documented header ${name} is missing`);
    }
    const types = Object.keys(documented.content ?? {});
    if (types.length === 0) return;
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    assert.ok(types.includes(type), `${method} ${route} ${res.status}: content-type ${type}, documented ${types.join(', ')}`);
    if (type !== 'application/json') return;
    const errors = this.check(pointer('paths', route, method.toLowerCase(), 'responses', String(res.status), 'content', type, 'schema'), res.body);
    assert.equal(errors, null, `${method} ${route} ${res.status} does not match the document: ${errors}\n${JSON.stringify(res.body).slice(0, 500)}`);
  }

  /** A request body must match the route's documented body schema. */
  requestErrors(method: string, route: string, body: unknown): string | null {
    const op = this.doc.paths[route]?.[method.toLowerCase()];
    assert.ok(op?.requestBody, `${method} ${route} has no documented body`);
    return this.check(pointer('paths', route, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema'), body);
  }
}

/** Fetch and check in one step: the answer, parsed, after it has been held to the document. */
export async function documented(
  checker: DocumentChecker,
  route: string,
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json');
  const answer = { status: res.status, headers: res.headers, body: isJson ? JSON.parse(text) : text };
  checker.assertResponse(init.method ?? 'GET', route, answer);
  return answer;
}
