// The public view of a storyboard: its schema (the answer of the storyboard routes, and the
// OpenAPI document's Storyboard with its example), the type clients read, inferred from it, and
// the view made from a record: thumbnails as signed URLs minted at read time (like a task's
// files), each piece with its clip and its candidates.
import { FRAMINGS, MOVES, TRANSITION_TYPES } from '../domain/visuals.ts';
import { z } from 'zod';
import { creditKey, type Credit } from '../domain/media.ts';
import { CAPTION_FONTS, LOOKS } from '../domain/look.ts';
import { WrittenScriptSchema } from '../domain/script.ts';
import { candidatesOf, sourceStartFor, type StoryboardRecord, type StoryboardResult } from '../domain/storyboard.ts';
import { STAGES, TASK_STATUSES } from '../domain/task.ts';
import { CreditSchema, type UrlSigner } from '../domain/task-view.ts';
import { round3 } from '../lib/numbers.ts';

const EXAMPLE_ID = '7c1e9a40-3b2d-4f6e-8a1c-5d9b0e2f4a61';
const EXAMPLE_TIME = '2026-11-30T10:15:00.000Z';
const FILES = `http://localhost:8080/files/storyboards/${EXAMPLE_ID}/thumbs`;

export const StoryboardSubmitSchema = z
  .strictObject({
    storyboard_id: z.string(),
    status: z.enum(TASK_STATUSES),
    status_url: z.url().meta({ description: 'GET it until status is completed' }),
  })
  .meta({
    id: 'StoryboardSubmitResponse',
    examples: [{ storyboard_id: EXAMPLE_ID, status: 'queued', status_url: `http://localhost:8080/v1/storyboards/${EXAMPLE_ID}` }],
  });

/** The answer to POST /v1/storyboards. */
export type StoryboardSubmit = z.infer<typeof StoryboardSubmitSchema>;

const Timed = z.strictObject({ start_s: z.number(), end_s: z.number(), text: z.string() });

const ClipSchema = z
  .strictObject({
    clip_id: z.number().int().meta({ description: 'Send it to PUT /v1/storyboards/{id}/pieces/{n} to play this clip in that piece' }),
    provider: z.string().meta({ description: 'pexels, footage_dir, clip_urls or generated' }),
    source_id: z.string().nullable().meta({ description: "The provider's id of the clip (a Pexels video id, a file name)" }),
    author: z.string().nullable(),
    author_url: z.string().nullable(),
    video_url: z.string().nullable().meta({ description: "The clip's page at the provider" }),
    duration_s: z.number().meta({ description: 'Length of the source' }),
    description: z.string().meta({ description: 'What it shows, as far as the service knows: the name of its page at the provider, the search that found it, or its file name' }),
    source_start_s: z.number().meta({ description: 'Where in the source the piece plays (would play, for a candidate)' }),
    source_end_s: z.number(),
    thumbnail_url: z.url().meta({ description: 'A small JPEG of the clip as the video crops it; signed, expires like the video URLs' }),
  })
  .meta({ id: 'StoryboardClip' });

/** A clip of a storyboard: one a piece plays, or a candidate it can be swapped to. */
export type ClipView = z.infer<typeof ClipSchema>;

const exampleClip = (clipId: number, author: string, start: number, end: number) => ({
  clip_id: clipId,
  provider: 'pexels',
  source_id: String(1_448_735 + clipId),
  author,
  author_url: `https://www.pexels.com/@${author.toLowerCase().replace(' ', '-')}`,
  video_url: `https://www.pexels.com/video/${1_448_735 + clipId}/`,
  duration_s: 12,
  description: 'snowy mountain peaks',
  source_start_s: start,
  source_end_s: end,
  thumbnail_url: `${FILES}/${clipId}.jpg?expires=1796040941&sig=4hQx`,
});

const Colour = z.string().meta({ description: '#RRGGBB' });
const ScreenSchema = z
  .strictObject({
    duration_s: z.number().meta({ description: "The video's length: the narration's, plus an extending end card's seconds" }),
    captions: z
      .strictObject({
        style: z.string(),
        position: z.string(),
        font_size: z.number(),
        look: z.strictObject({
          font: z.enum(CAPTION_FONTS),
          uppercase: z.boolean(),
          text: Colour,
          highlight: Colour,
          emphasis: Colour,
          outline: z.strictObject({ width: z.number().meta({ description: 'A fraction of the font size' }), colour: Colour }),
          shadow: z.number(),
          glow: z.number(),
          box: z.strictObject({ colour: Colour, opacity: z.number() }),
        }),
      })
      .nullable()
      .meta({ description: 'How the burned-in captions look (the request\'s look with its overrides); null when none are burned in' }),
    hook: Timed.nullable().meta({ description: 'The hook title and when it shows' }),
    end_card: Timed.nullable().meta({ description: 'The end card and when it shows (past duration_s of the narration when it extends the video)' }),
    progress_bar: z.strictObject({ position: z.enum(['top', 'bottom']), color: Colour }).nullable(),
    watermark: z
      .strictObject({
        position: z.string(),
        opacity: z.number(),
        scale: z.number(),
        text: z.string().nullable().meta({ description: 'A handle' }),
        image_url: z.url().nullable().meta({ description: 'The logo as the video draws it (a PNG), signed' }),
      })
      .nullable(),
  })
  .meta({ description: 'What the video shows over its footage, and when' });

const StoryboardViewShape = z
  .strictObject({
    storyboard_id: z.string(),
    status: z.enum(TASK_STATUSES).meta({ description: 'completed: the storyboard is ready to look at and to render' }),
    stage: z.enum(STAGES),
    progress: z.number().int().min(0).max(100),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    expires_at: z.iso.datetime().meta({ description: 'When it and its files are deleted (RETENTION_DAYS); render it before then' }),
    error: z.strictObject({ code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
    storyboard: z
      .strictObject({
        duration_s: z.number().meta({ description: 'The narration’s length (the video’s, unless an end card extends it: screen.duration_s)' }),
        narration_url: z.url().nullable().meta({ description: 'The voice as the video will carry it (WAV), signed: a client can play it over the thumbnails as a preview; null on storyboards made before it was kept' }),
        screen: ScreenSchema.nullable().meta({ description: 'null on storyboards made before it' }),
        width: z.number().int(),
        height: z.number().int(),
        scenes: z
          .array(
            z.strictObject({
              index: z.number().int(),
              start_s: z.number(),
              end_s: z.number(),
              text: z.string(),
              search_terms: z.array(z.string()),
              query: z.string(),
              found_by: z.array(z.string()),
            }),
          )
          .meta({ description: 'The scenes (or sentence groups) whose footage was searched for together' }),
        sentences: z.array(Timed),
        captions: z.array(Timed).meta({ description: 'Caption lines as the video shows them' }),
        pieces: z
          .array(
            z.strictObject({
              index: z.number().int(),
              start_s: z.number(),
              end_s: z.number(),
              scene: z.number().int().meta({ description: 'Index into scenes' }),
              swapped: z.boolean().meta({ description: 'Plays another clip than the one the plan chose' }),
              clip: ClipSchema,
              candidates: z.array(ClipSchema).meta({ description: 'Clips it can be swapped to' }),
              motion: z.enum(MOVES).nullable().meta({ description: 'Its Ken Burns move (motion): zoom-in, zoom-out, pan-left, pan-right, pan-up or pan-down; null: still (motion none, or a storyboard made before)' }),
              transition: z
                .strictObject({ type: z.enum(TRANSITION_TYPES.filter((t) => t !== 'cut') as ['fade', 'slide', 'zoom', 'whip']), duration_s: z.number() })
                .nullable()
                .meta({ description: 'The transition into it from the piece before (overlapping both; the timings stay those of a cut); null: a cut' }),
              framing: z.enum(FRAMINGS).meta({ description: 'cover: cropped to the frame; blur: whole, over a blurred copy of itself' }),
            }),
          )
          .meta({ description: 'The timeline: which clip plays when' }),
        credits: z.array(CreditSchema),
        estimate: z
          .strictObject({
            render_s: z.number().meta({ description: 'Seconds the render takes on a worker (2 vCPU), from measured figures (docs/storyboards.md "Estimates")' }),
            render_cpu_s: z.number().meta({ description: 'CPU seconds of the render' }),
            cloud_run_usd: z.number().meta({ description: 'What that worker time costs on Cloud Run (request-based billing, tier 1)' }),
            preset: z.string().meta({ description: 'RENDER_PRESET' }),
            measured_preset: z.boolean().meta({ description: 'false: figures for this preset were not measured; veryfast’s are used' }),
          }),
        usage: z
          .strictObject({
            speech_provider: z.string(),
            speech_characters: z.number().int().meta({ description: 'Characters sent to the voice (what ElevenLabs bills); rendering sends none' }),
            pexels_requests: z.number().int().meta({ description: 'Pexels API requests made (cached searches are free); rendering makes none' }),
            clip_downloads: z.number().int(),
          })
          .meta({ description: 'What making this storyboard used; rendering it uses none of it again' }),
      })
      .nullable()
      .meta({ description: 'Set once status is completed' }),
    script: WrittenScriptSchema.nullable().meta({ description: 'The script written from the request’s topic, its scenes as the storyboard’s scenes tell them; null when the request sent its own' }),
    warnings: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()).nullable(),
  });

/** A prepared storyboard with one piece swapped, as the docs show it. */
export const EXAMPLE_STORYBOARD: StoryboardView = {
  storyboard_id: EXAMPLE_ID,
  status: 'completed',
  stage: 'done',
  progress: 100,
  created_at: EXAMPLE_TIME,
  updated_at: '2026-11-30T10:15:06.000Z',
  expires_at: '2026-12-07T10:15:00.000Z',
  error: null,
  storyboard: {
    duration_s: 5.2,
    narration_url: `http://localhost:8080/files/storyboards/${EXAMPLE_ID}/voice.wav?expires=1796040941&sig=Vn2e`,
    screen: {
      duration_s: 7.2,
      captions: { style: 'word-highlight', position: 'bottom', font_size: 1, look: LOOKS.bold },
      hook: { start_s: 0, end_s: 2.5, text: 'Mountains are older than you think.' },
      end_card: { start_s: 4.2, end_s: 7.2, text: 'Follow for part 2' },
      progress_bar: { position: 'top', color: '#FFE500' },
      watermark: { position: 'top-right', opacity: 0.85, scale: 1, text: '@peaks', image_url: null },
    },
    width: 1080,
    height: 1920,
    scenes: [
      { index: 0, start_s: 0, end_s: 2.6, text: 'Mountains are older than you think.', search_terms: [], query: 'mountains', found_by: ['mountains'] },
      { index: 1, start_s: 2.6, end_s: 5.2, text: 'Rivers carve them, grain by grain.', search_terms: [], query: 'river canyon', found_by: ['river canyon'] },
    ],
    sentences: [
      { start_s: 0, end_s: 2.45, text: 'Mountains are older than you think.' },
      { start_s: 2.75, end_s: 5.0, text: 'Rivers carve them, grain by grain.' },
    ],
    captions: [
      { start_s: 0, end_s: 1.3, text: 'Mountains are older' },
      { start_s: 1.3, end_s: 2.75, text: 'than you think.' },
      { start_s: 2.75, end_s: 5.2, text: 'Rivers carve them, grain by grain.' },
    ],
    pieces: [
      { index: 0, start_s: 0, end_s: 2.6, scene: 0, swapped: false, clip: exampleClip(0, 'Kelly Lacy', 4.1, 6.7), candidates: [exampleClip(2, 'Taryn Elliott', 4.7, 7.3)], motion: 'zoom-in', transition: null, framing: 'cover' },
      { index: 1, start_s: 2.6, end_s: 5.2, scene: 1, swapped: true, clip: exampleClip(3, 'Pressmaster', 4.7, 7.3), candidates: [exampleClip(1, 'Mikhail Nilov', 0, 2.6)], motion: 'pan-left', transition: { type: 'fade', duration_s: 0.4 }, framing: 'cover' },
    ],
    credits: [
      { provider: 'pexels', author: 'Kelly Lacy', author_url: 'https://www.pexels.com/@kelly-lacy', video_url: 'https://www.pexels.com/video/1448735/' },
      { provider: 'pexels', author: 'Pressmaster', author_url: 'https://www.pexels.com/@pressmaster', video_url: 'https://www.pexels.com/video/1448738/' },
    ],
    estimate: { render_s: 4.4, render_cpu_s: 6.6, cloud_run_usd: 0.000233, preset: 'veryfast', measured_preset: true },
    usage: { speech_provider: 'elevenlabs', speech_characters: 70, pexels_requests: 2, clip_downloads: 8 },
  },
  script: null,
  warnings: [],
  metadata: null,
};

export const StoryboardViewSchema = StoryboardViewShape.meta({
  id: 'Storyboard',
  description: 'A video planned and not rendered',
  examples: [EXAMPLE_STORYBOARD],
});

/** A storyboard as clients see it (the studio imports this type). */
export type StoryboardView = z.infer<typeof StoryboardViewShape>;

export async function toStoryboardView(task: StoryboardRecord, blobs: UrlSigner, ttlSeconds: number): Promise<StoryboardView> {
  const sb = task.status === 'completed' ? task.result : null;
  return {
    storyboard_id: task.id,
    status: task.status,
    stage: task.stage,
    progress: task.progress,
    created_at: task.created_at,
    updated_at: task.updated_at,
    expires_at: task.expire_at,
    error: task.error,
    storyboard: sb ? await storyboardBody(sb, blobs, ttlSeconds) : null,
    script: task.script,
    warnings: task.warnings,
    metadata: (task.request.metadata as Record<string, unknown> | undefined) ?? null,
  };
}

async function storyboardBody(sb: StoryboardResult, blobs: UrlSigner, ttlSeconds: number): Promise<NonNullable<StoryboardView['storyboard']>> {
  const urls = await Promise.all(sb.clips.map((c) => blobs.signedUrl(c.thumbnail_key, ttlSeconds).then((u) => u.url)));
  const sign = (key: string | null | undefined) => (key ? blobs.signedUrl(key, ttlSeconds).then((u) => u.url) : Promise.resolve(null));
  const [narrationUrl, logoUrl] = await Promise.all([sign(sb.narration_key), sign(sb.screen?.watermark?.logo_key)]);
  const clipView = (index: number, start: number, duration: number): ClipView => {
    const c = sb.clips[index]!;
    return {
      clip_id: index,
      provider: c.provider,
      source_id: c.source_id,
      author: c.credit?.author ?? null,
      author_url: c.credit?.author_url ?? null,
      video_url: c.credit?.video_url ?? null,
      duration_s: c.duration_s,
      description: c.description ?? (c.source_id ? `${c.provider} ${c.source_id}` : c.provider),
      source_start_s: round3(start),
      source_end_s: round3(start + duration),
      thumbnail_url: urls[index]!,
    };
  };
  const pieces = sb.pieces.map((p, i) => {
    const d = p.end_s - p.start_s;
    return {
      index: i,
      start_s: p.start_s,
      end_s: p.end_s,
      scene: p.scene,
      swapped: p.clip !== p.planned_clip,
      clip: clipView(p.clip, p.source_start_s, d),
      candidates: candidatesOf(sb, i).map((c) => clipView(c, c === p.planned_clip ? p.planned_source_start_s : sourceStartFor(sb.clips[c]!.duration_s, d), d)),
      motion: p.visual?.motion ?? null,
      transition: p.visual?.transition ?? null,
      framing: p.visual?.framing ?? ('cover' as const),
    };
  });
  const credits = new Map<string, Credit>();
  for (const p of sb.pieces) {
    const credit = sb.clips[p.clip]?.credit;
    if (credit) credits.set(creditKey(credit), credit);
  }
  const screen = sb.screen;
  return {
    duration_s: sb.duration_s,
    narration_url: narrationUrl,
    screen: screen
      ? { ...screen, watermark: screen.watermark ? { position: screen.watermark.position, opacity: screen.watermark.opacity, scale: screen.watermark.scale, text: screen.watermark.text, image_url: logoUrl } : null }
      : null,
    width: sb.width,
    height: sb.height,
    scenes: sb.scenes.map((s, index) => ({ index, ...s })),
    sentences: sb.sentences,
    captions: sb.captions,
    pieces,
    credits: [...credits.values()],
    estimate: sb.estimate,
    usage: sb.usage,
  };
}
