// POST /v1/scripts (script-spec.ts): a script written from a topic, answered at once. The
// writer's errors (providers/script-writer.ts) become answers a client can act on: the model
// could not write a usable script (422, rephrase), it is busy or out of reach (503, retry after),
// or the service's own settings are wrong (502, its operator's to fix).
import type { OpenAPIHono } from '@hono/zod-openapi';
import { topicWithoutWriter } from '../domain/script.ts';
import { AppError, invalid, TaskError } from '../errors.ts';
import { jsonBody } from './body.ts';
import type { ApiDeps } from './deps.ts';
import { json, type ApiEnv } from './http.ts';
import { writeScriptRoute } from './script-spec.ts';
import { refusal } from './submission.ts';

/** Seconds a client waits before asking again when the model is busy: its own retries within a call wait up to 30 s. */
const LLM_RETRY_AFTER_S = 30;

/** The HTTP answer for a writer's failure; anything that is not a TaskError is a bug and propagates. */
export function scriptFailure(err: unknown): unknown {
  if (!(err instanceof TaskError)) return err;
  if (err.code.startsWith('script_')) return new AppError(err.code, 422, err.message, { cause: err });
  if (err.retryable || err.code === 'llm_quota_exceeded') {
    return new AppError(err.code, 503, err.message, { headers: { 'retry-after': String(LLM_RETRY_AFTER_S) }, cause: err });
  }
  return new AppError(err.code, 502, err.message, { cause: err });
}

export function mountScripts(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi({ ...writeScriptRoute, middleware: [deps.keys.required(), jsonBody(deps.cfg.MAX_BODY_BYTES)] as const }, async (c) => {
    const request = c.req.valid('json');
    const writer = deps.scripts;
    if (!writer) throw invalid([topicWithoutWriter()]);
    // The model is paid per call: a script counts against the key's minute like a video.
    const refused = await deps.store.takeSubmit(c.get('owner'), deps.limits);
    if (refused) throw refusal(refused);
    try {
      const script = await writer.write({ ...request, voice: deps.speech.name }, c.req.raw.signal);
      return json(c, script, 200);
    } catch (err) {
      throw scriptFailure(err);
    }
  });
}
