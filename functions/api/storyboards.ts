// The storyboard routes: make one (stored and queued like a video: the worker prepares it), poll
// it, swap a piece's clip, cancel it; and what POST /v1/videos takes from one (storyboard_id).
import type { OpenAPIHono } from '@hono/zod-openapi';
import { askRender } from '../delivery/ask-render.ts';
import { choiceOf, swapClip, type StoryboardRecord, type StoryboardResult } from '../domain/storyboard.ts';
import { isFinal, type StoryboardChoice } from '../domain/task.ts';
import type { WrittenScript } from '../domain/script.ts';
import type { StoryboardRequest, StoryboardVideo, VideoRequest } from '../domain/video-request.ts';
import { conflict, gone, invalid, notFound } from '../errors.ts';
import { storyboardJob } from '../platform/jobs.ts';
import { checkMusicMood } from '../providers/music-library.ts';
import { jsonBody } from './body.ts';
import { baseUrlOf, json, type ApiEnv } from './http.ts';
import type { ApiDeps } from './deps.ts';
import { cancelStoryboardRoute, createStoryboardRoute, getStoryboardRoute, swapClipRoute } from './storyboard-spec.ts';
import { toStoryboardView } from './storyboard-view.ts';
import { answerEarly, checkTopic, checkUrls, idempotencyConflict, refuseTooLargeForScratch, refusal, submittedStoryboard, unspeakable } from './submission.ts';
import { templated } from './templates.ts';
import { checkVoiceoverUpload } from './uploads.ts';

/** A storyboard the caller may see (another key's answers like an unknown one), not yet expired. */
async function ownedStoryboard(deps: ApiDeps, owner: string | null, id: string): Promise<StoryboardRecord> {
  const sb = await deps.storyboards.get(id);
  if (!sb || (deps.keys.enabled && sb.owner !== owner)) throw notFound(`storyboard ${id}`);
  if (Date.parse(sb.expire_at) < Date.now()) throw gone(`storyboard ${id} has expired; make a new one`);
  return sb;
}

const notReady = (sb: StoryboardRecord) =>
  conflict(
    'storyboard_not_ready',
    isFinal(sb.status)
      ? `storyboard ${sb.id} is ${sb.status}; make a new one`
      : `storyboard ${sb.id} is ${sb.status} (${sb.progress}%); poll GET /v1/storyboards/${sb.id} until it is completed`,
  );

/**
 * The request and pieces of a video made from a storyboard: its own request (script, voice,
 * settings), with the video's callback_url and metadata, and its pieces as they stand now. The
 * body's schema (StoryboardVideoSchema) has already refused any other field.
 */
export async function fromStoryboard(deps: ApiDeps, owner: string | null, sent: StoryboardVideo): Promise<{ request: VideoRequest; from: StoryboardChoice; script: WrittenScript | null; durationS: number }> {
  const sb = await ownedStoryboard(deps, owner, sent.storyboard_id);
  if (sb.status !== 'completed' || !sb.result) throw notReady(sb);
  const request: VideoRequest = {
    ...sb.request,
    ...(sent.callback_url ? { callback_url: sent.callback_url } : {}),
    ...(sent.metadata ? { metadata: sent.metadata } : {}),
  };
  // Its script, written from its topic, is the video's: never written again.
  return { request, from: choiceOf(sb as StoryboardRecord & { result: StoryboardResult }), script: sb.script, durationS: sb.result.duration_s };
}

export function mountStoryboards(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const { cfg, storyboards, blobs, keys } = deps;
  const auth = keys.required();
  const body = jsonBody(cfg.MAX_BODY_BYTES);
  const view = (sb: StoryboardRecord) => toStoryboardView(sb, blobs, cfg.SIGNED_URL_TTL_S);

  /** A storyboard submit that is not a replay: its checks, then the record, created under the limits. */
  async function prepareNew(owner: string | null, request: StoryboardRequest, raw: unknown, idempotencyKey: string | null) {
    checkTopic(request, deps.scripts);
    const silent = unspeakable(request);
    if (silent.length) throw invalid(silent);
    // A storyboard of a video that could never be rendered is refused now, not at its render.
    refuseTooLargeForScratch(request, { limitBytes: cfg.TASK_SCRATCH_BYTES, encode: { preset: cfg.RENDER_PRESET, crf: cfg.RENDER_CRF } });
    await checkUrls(request, cfg.ALLOW_PRIVATE_URLS, cfg.ALLOWED_URL_PORTS);
    await checkMusicMood(deps.music, request.music);
    await checkVoiceoverUpload(blobs, owner, request.voiceover);
    const outcome = await storyboards.create(submittedStoryboard({ owner, request, retentionDays: cfg.RETENTION_DAYS, idempotencyKey, body: raw }), deps.limits);
    if (outcome.kind === 'refused') throw refusal(outcome);
    if (outcome.kind === 'conflict') throw idempotencyConflict('storyboard', outcome.task.id);
    return outcome;
  }

  app.openapi({ ...createStoryboardRoute, middleware: [auth, body, templated(deps)] as const }, async (c) => {
    const owner = c.get('owner');
    const request = c.req.valid('json');
    const idempotencyKey = c.req.valid('header')['idempotency-key'] ?? null;
    // The body as sent, before its template was applied: its hash answers a replayed key.
    const raw = c.get('sent');
    const replay = await answerEarly(storyboards, { owner, idempotencyKey, body: raw, limits: deps.limits, what: 'storyboard' });
    const outcome = replay ? { kind: 'existing' as const, task: replay } : await prepareNew(owner, request, raw, idempotencyKey);
    const sb = outcome.task;
    // As for a video: asked for before answering (no CPU after the answer on Cloud Run); a failed ask is swept.
    if (sb.status === 'queued') await askRender(storyboards, deps.dispatcher, sb.id, deps.log, false, storyboardJob);
    const answer = { storyboard_id: sb.id, status: sb.status, status_url: `${baseUrlOf(c, cfg.PUBLIC_URL)}/v1/storyboards/${sb.id}` };
    return outcome.kind === 'created' ? json(c, answer, 202) : json(c, answer, 200);
  });

  app.openapi({ ...getStoryboardRoute, middleware: [auth] as const }, async (c) => {
    const sb = await ownedStoryboard(deps, c.get('owner'), c.req.valid('param').id);
    return json(c, await view(sb), 200);
  });

  app.openapi({ ...swapClipRoute, middleware: [auth, body] as const }, async (c) => {
    const { id, n } = c.req.valid('param');
    const { clip_id } = c.req.valid('json');
    await ownedStoryboard(deps, c.get('owner'), id);
    const outcome = await storyboards.update(id, (t, now) => {
      const o = swapClip(t, n, clip_id, now);
      return { write: o.kind === 'swapped' && o.storyboard !== t ? o.storyboard : null, result: o };
    });
    switch (outcome.kind) {
      case 'swapped':
        return json(c, await view(outcome.storyboard), 200);
      case 'missing':
        throw notFound(`storyboard ${id}`);
      case 'not_ready':
        throw notReady((await storyboards.get(id))!);
      case 'no_piece':
        throw notFound(`piece ${n} of storyboard ${id} (it has ${outcome.pieces}, from 0)`);
      case 'not_candidate':
        throw invalid([
          {
            path: 'clip_id',
            message: `clip ${clip_id} is not a candidate of piece ${n}; ${outcome.candidates.length ? `its candidates are ${outcome.candidates.join(', ')}` : 'it has no candidates'}`,
          },
        ]);
    }
  });

  app.openapi({ ...cancelStoryboardRoute, middleware: [auth] as const }, async (c) => {
    const { id } = c.req.valid('param');
    const before = await ownedStoryboard(deps, c.get('owner'), id);
    if (isFinal(before.status)) {
      throw conflict('already_finished', `storyboard ${id} is already ${before.status}; only a storyboard being prepared can be cancelled`);
    }
    const after = (await storyboards.cancel(id)) ?? before;
    deps.stopRunning(id);
    return json(c, await view(after), 200);
  });
}
