// Compose: a script (or scenes with their own search terms and clip), or a topic to have the
// script written, the voice and the look, and what shows over the footage (a hook, a progress bar,
// a watermark, an end card), with sample frames that preview each as the video draws it; the
// settings saved as a template of the key, and a form started from one. Field errors from the API
// appear next to their fields, in the form's words (the form does no validation of its own: the
// API's messages are the reference).
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { CAPTION_FONTS, CAPTION_LOOKS, CORNERS, resolveLook, type CaptionFontId, type CaptionLookName, type Corner, type EmphasisMode } from '../../domain/look.ts';
import type { MediaMode } from '../../domain/footage-media.ts';
import { CRAFT_DEFAULTS as C, REQUEST_DEFAULTS as D, VISUAL_DEFAULTS as V } from '../../domain/request-defaults.ts';
import { FRAMINGS, MOTION_STYLES, TRANSITION_TYPES, type Framing, type MotionStyle, type TransitionType } from '../../domain/visuals.ts';
import type { AspectRatio, CaptionOptions, VideoRequest, VideoRequestInput } from '../../domain/video-request.ts';
import type { TemplateView, Voice } from './api.ts';
import { Screen } from './screen.tsx';
import { Voiceover, type Recording } from './voiceover.tsx';

export interface SceneInput {
  text: string;
  search_query: string;
  clip_url: string;
}

export const SCRIPT_FORMATS = ['facts', 'story', 'listicle', 'how-to', 'explainer', 'myths'] as const;

export interface ComposeForm {
  mode: 'script' | 'scenes' | 'topic';
  script: string;
  topic: string;
  scenes: SceneInput[];
  /** Who narrates: a voice reads the script, or the user's own recording says it. */
  narration: 'voice' | 'recording';
  recording: Recording | null;
  voice: string;
  language: string;
  aspect: AspectRatio;
  resolution: VideoRequest['resolution'];
  captionsOn: boolean;
  style: CaptionOptions['style'];
  position: CaptionOptions['position'];
  fontSize: number;
  musicUrl: string;
  musicVolume: number;
  craft: CraftForm;
  /** How the pieces move, join and fill the frame, and what stock footage is made of. */
  picture: PictureForm;
  /** What a written script is about (mode topic), and how it is to be written. */
  brief: string;
  duration: string;
  tone: string;
  scriptFormat: (typeof SCRIPT_FORMATS)[number];
  /** The template the form started from: sent as template_id, so its settings the form does not show apply too. */
  templateId: string;
}

/** The picture's own craft (docs/videos.md "Motion, transitions and framing"). */
export interface PictureForm {
  motion: MotionStyle;
  transition: TransitionType;
  transitionDuration: number;
  framing: Framing;
  media: MediaMode;
}

export const DEFAULT_PICTURE: PictureForm = { motion: V.motion, transition: V.transition, transitionDuration: V.transition_duration_s, framing: V.framing, media: 'videos' };

const MEDIA_CHOICES: [MediaMode, string][] = [
  ['videos', 'Videos (photos fill in)'],
  ['photos', 'Photos with motion'],
  ['both', 'Both, interleaved'],
];
const TRANSITION_NAMES: Record<TransitionType, string> = { cut: 'Cut', fade: 'Fade', slide: 'Slide', zoom: 'Zoom', whip: 'Whip' };

/** The on-screen craft: a look with its overrides ('' or null: the look's own), and the overlays. */
export interface CraftForm {
  look: CaptionLookName;
  font: CaptionFontId | '';
  uppercase: 'look' | 'on' | 'off';
  textColor: string;
  highlightColor: string;
  emphasisColor: string;
  outlineWidth: number | null;
  outlineColor: string;
  emphasis: EmphasisMode;
  hook: boolean;
  /** '': the script's first sentence. */
  hookText: string;
  hookDuration: number;
  bar: boolean;
  barPosition: 'top' | 'bottom';
  /** '': the highlight colour. */
  barColor: string;
  watermark: 'none' | 'text' | 'image';
  watermarkText: string;
  watermarkUrl: string;
  watermarkPosition: Corner;
  watermarkOpacity: number;
  watermarkScale: number;
  endCard: boolean;
  endCardText: string;
  endCardDuration: number;
  endCardExtend: boolean;
}

export const EMPTY_CRAFT: CraftForm = {
  look: 'classic',
  font: '',
  uppercase: 'look',
  textColor: '',
  highlightColor: '',
  emphasisColor: '',
  outlineWidth: null,
  outlineColor: '',
  emphasis: C.emphasis,
  hook: false,
  hookText: '',
  hookDuration: C.hook_duration_s,
  bar: false,
  barPosition: C.progress_bar_position,
  barColor: '',
  watermark: 'none',
  watermarkText: '',
  watermarkUrl: '',
  watermarkPosition: C.watermark_position,
  watermarkOpacity: C.watermark_opacity,
  watermarkScale: 1,
  endCard: false,
  endCardText: '',
  endCardDuration: C.end_card_duration_s,
  endCardExtend: false,
};

/** A fresh page opens on one script box: type, and render. */
export const EMPTY_FORM: ComposeForm = {
  mode: 'script',
  script: '',
  topic: '',
  scenes: [{ text: '', search_query: '', clip_url: '' }],
  narration: 'voice',
  recording: null,
  voice: '',
  language: '',
  aspect: D.aspect_ratio,
  resolution: D.resolution,
  captionsOn: true,
  style: D.captions.style,
  position: D.captions.position,
  fontSize: D.captions.font_size,
  musicUrl: '',
  musicVolume: D.music_volume,
  craft: EMPTY_CRAFT,
  picture: DEFAULT_PICTURE,
  brief: '',
  duration: '',
  tone: '',
  scriptFormat: 'facts',
  templateId: '',
};

/** The settings of the form a template keeps: the request without its content (script, scenes, topic). */
export function settingsOf(f: ComposeForm): Record<string, unknown> {
  const { script_text: _s, scenes: _c, search_query: _q, topic: _t, template_id: _i, ...settings } = requestOf(f) as Record<string, unknown>;
  return settings;
}

/** The form started from a template: the settings it shows taken from it (the others apply through template_id). */
export function fromTemplate(f: ComposeForm, t: TemplateView): ComposeForm {
  const s = t.settings;
  const captions = s.captions;
  return {
    ...f,
    templateId: t.template_id,
    ...(s.voice_id ? { voice: s.voice_id } : {}),
    ...(s.language ? { language: s.language } : {}),
    ...(s.aspect_ratio ? { aspect: s.aspect_ratio } : s.outputs?.[0] ? { aspect: s.outputs[0].aspect_ratio } : {}),
    ...(s.resolution ? { resolution: s.resolution } : {}),
    ...(captions === false ? { captionsOn: false } : {}),
    ...(captions && typeof captions === 'object'
      ? { captionsOn: true, ...(captions.style ? { style: captions.style } : {}), ...(captions.position ? { position: captions.position } : {}), ...(captions.font_size ? { fontSize: captions.font_size } : {}) }
      : {}),
    ...(s.music?.url ? { musicUrl: s.music.url } : {}),
    ...(s.music?.volume !== undefined ? { musicVolume: s.music.volume } : {}),
    ...(s.duration_s ? { duration: String(s.duration_s) } : {}),
    ...(s.tone ? { tone: s.tone } : {}),
    ...(s.script_format ? { scriptFormat: s.script_format } : {}),
    picture: {
      ...f.picture,
      ...(s.motion ? { motion: s.motion } : {}),
      ...(s.transition?.type ? { transition: s.transition.type } : {}),
      ...(s.transition?.duration_s ? { transitionDuration: s.transition.duration_s } : {}),
      ...(s.framing ? { framing: s.framing } : {}),
      ...(s.media ? { media: s.media } : {}),
    },
  };
}

/** The picture's fields of the request the form describes: only those that differ from the service's defaults. */
function pictureFields(p: PictureForm): Partial<VideoRequestInput> {
  return {
    ...(p.motion !== V.motion ? { motion: p.motion } : {}),
    ...(p.transition !== V.transition ? { transition: { type: p.transition, duration_s: p.transitionDuration } } : {}),
    ...(p.framing !== V.framing ? { framing: p.framing } : {}),
    ...(p.media !== 'videos' ? { media: p.media } : {}),
  };
}

/** The look the form describes: the named look with the form's overrides, as the service resolves it. */
export function lookOf(f: Pick<ComposeForm, 'style' | 'craft'>) {
  return resolveLook(f.style, lookFields(f.craft));
}

/** The look fields of `captions` the form sets (only those it changes from the look's). */
function lookFields(c: CraftForm): Partial<CaptionOptions> {
  const named = c.look !== 'classic' ? { look: c.look } : {};
  const base = resolveLook('', named);
  const out: Partial<CaptionOptions> = { ...named };
  if (c.font) out.font = c.font;
  if (c.uppercase !== 'look') out.uppercase = c.uppercase === 'on';
  if (c.textColor && c.textColor.toUpperCase() !== base.text) out.text_color = c.textColor.toUpperCase();
  if (c.highlightColor && c.highlightColor.toUpperCase() !== base.highlight) out.highlight_color = c.highlightColor.toUpperCase();
  if (c.emphasisColor && c.emphasisColor.toUpperCase() !== base.emphasis) out.emphasis_color = c.emphasisColor.toUpperCase();
  const outline = {
    ...(c.outlineWidth !== null ? { width: c.outlineWidth } : {}),
    ...(c.outlineColor && c.outlineColor.toUpperCase() !== base.outline.colour ? { color: c.outlineColor.toUpperCase() } : {}),
  };
  if (Object.keys(outline).length) out.outline = outline;
  if (c.emphasis !== C.emphasis) out.emphasis = c.emphasis;
  return out;
}

/** The overlay fields of the request the form describes. */
function overlayFields(c: CraftForm): Partial<VideoRequestInput> {
  const trim = (s: string) => s.trim();
  const out: Partial<VideoRequestInput> = {};
  if (c.hook) out.hook = trim(c.hookText) || c.hookDuration !== C.hook_duration_s ? { ...(trim(c.hookText) ? { text: trim(c.hookText) } : {}), duration_s: c.hookDuration } : true;
  if (c.bar) out.progress_bar = { position: c.barPosition, ...(c.barColor ? { color: c.barColor.toUpperCase() } : {}) };
  if (c.watermark !== 'none') {
    out.watermark = {
      ...(c.watermark === 'image' ? { image_url: trim(c.watermarkUrl) } : { text: trim(c.watermarkText) }),
      position: c.watermarkPosition,
      opacity: c.watermarkOpacity,
      scale: c.watermarkScale,
    };
  }
  if (c.endCard) out.end_card = { text: trim(c.endCardText), duration_s: c.endCardDuration, extend: c.endCardExtend };
  return out;
}

/** The request body the form describes; empty fields are left out so the API's defaults apply. */
export function requestOf(f: ComposeForm): VideoRequestInput {
  const trim = (s: string) => s.trim();
  const body: VideoRequestInput = { aspect_ratio: f.aspect, resolution: f.resolution };
  if (f.templateId) body.template_id = f.templateId;
  if (f.mode === 'script') body.script_text = f.script;
  else if (f.mode === 'topic') {
    body.topic = f.brief;
    if (trim(f.duration)) body.duration_s = Number(trim(f.duration));
    if (trim(f.tone)) body.tone = trim(f.tone);
    body.script_format = f.scriptFormat;
  } else {
    // An empty scene left at the end is not meant: it is dropped (a lone empty one stays, to be told it needs a sentence).
    let last = f.scenes.length;
    while (last > 1 && !f.scenes[last - 1]!.text.trim()) last--;
    body.scenes = f.scenes.slice(0, last).map((s) => ({
      text: s.text,
      ...(trim(s.search_query) ? { search_query: trim(s.search_query) } : {}),
      ...(trim(s.clip_url) ? { clip_url: trim(s.clip_url) } : {}),
    }));
  }
  if (f.mode === 'script' && trim(f.topic)) body.search_query = trim(f.topic);
  if (f.narration === 'recording') {
    if (f.recording) body.voiceover = { upload_id: f.recording.upload_id };
  } else if (f.voice) body.voice_id = f.voice;
  if (trim(f.language)) body.language = trim(f.language);
  body.captions = f.captionsOn ? { style: f.style, position: f.position, font_size: f.fontSize, ...lookFields(f.craft) } : false;
  if (trim(f.musicUrl)) body.music = { url: trim(f.musicUrl), volume: f.musicVolume };
  return { ...body, ...overlayFields(f.craft), ...pictureFields(f.picture) };
}

/** An API message in the form's words: a sentence, as the rest of the page writes them. */
export const sentence = (m: string) => (m ? m[0]!.toUpperCase() + m.slice(1) : m);

export type FieldErrors = Record<string, string>;

/** What the page itself must say before asking: "my recording" chosen and none made yet. */
export function missingRecording(f: ComposeForm): FieldErrors {
  return f.narration === 'recording' && !f.recording ? { 'voiceover.upload_id': 'Upload or record your narration first, or let a voice read the script.' } : {};
}

interface Props {
  form: ComposeForm;
  voices: Voice[];
  templates: TemplateView[];
  errors: FieldErrors;
  busy: boolean;
  onChange: (f: ComposeForm) => void;
  onStoryboard: () => void;
  onRender: () => void;
  /** Save the form's settings as a template of this name. */
  onSaveTemplate: (name: string) => void;
}

/** A select's choices: each value with its words. */
function Options<T extends string>(p: { values: readonly T[]; label: (v: T) => string }) {
  return (
    <>
      {p.values.map((v) => (
        <option key={v} value={v}>
          {p.label(v)}
        </option>
      ))}
    </>
  );
}

/** A labelled control with its API error under it, tied together for screen readers. */
function Field(p: { id: string; label: string; error?: string | undefined; hint?: string; children: (a: Record<string, unknown>) => ComponentChildren }) {
  const described = [p.hint ? `${p.id}-hint` : '', p.error ? `${p.id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${p.error ? ' has-error' : ''}`}>
      <label for={p.id}>{p.label}</label>
      {p.children({ id: p.id, name: p.id, 'aria-invalid': p.error ? 'true' : undefined, 'aria-describedby': described || undefined })}
      {p.hint && (
        <p class="hint" id={`${p.id}-hint`}>
          {p.hint}
        </p>
      )}
      {p.error && (
        <p class="field-error" id={`${p.id}-error`} data-field={p.id}>
          {sentence(p.error)}
        </p>
      )}
    </div>
  );
}

const LOOK_NAMES: Record<CaptionLookName, string> = { classic: 'Classic', bold: 'Bold', clean: 'Clean', neon: 'Neon', playful: 'Playful' };
const FONT_NAMES: Record<CaptionFontId, string> = { 'noto-sans': 'Noto Sans', 'league-spartan': 'League Spartan', anton: 'Anton', montserrat: 'Montserrat', fredoka: 'Fredoka' };
const CORNER_NAMES: Record<Corner, string> = { 'top-left': 'Top left', 'top-right': 'Top right', 'bottom-left': 'Bottom left', 'bottom-right': 'Bottom right' };

export function Compose({ form, voices, templates, errors, busy, onChange, onStoryboard, onRender, onSaveTemplate }: Props) {
  const [templateName, setTemplateName] = useState('');
  const set = <K extends keyof ComposeForm>(k: K, v: ComposeForm[K]) => onChange({ ...form, [k]: v });
  const setCraft = <K extends keyof CraftForm>(k: K, v: CraftForm[K]) => onChange({ ...form, craft: { ...form.craft, [k]: v } });
  const setScene = (i: number, k: keyof SceneInput, v: string) => set('scenes', form.scenes.map((s, j) => (j === i ? { ...s, [k]: v } : s)));
  const value = (e: Event) => (e.currentTarget as HTMLInputElement).value;
  const checked = (e: Event) => (e.currentTarget as HTMLInputElement).checked;
  const craft = form.craft;
  const picture = form.picture;
  const setPicture = <K extends keyof PictureForm>(k: K, v: PictureForm[K]) => onChange({ ...form, picture: { ...picture, [k]: v } });
  const look = lookOf(form);
  const off = !form.captionsOn;
  return (
    <section aria-labelledby="compose-title">
      <h2 id="compose-title">Compose</h2>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          onRender();
        }}
      >
        <fieldset class="mode">
          <legend>Write it as</legend>
          {(['script', 'scenes', 'topic'] as const).map((m) => (
            <label key={m} class="choice">
              <input type="radio" name="mode" value={m} checked={form.mode === m} onChange={() => set('mode', m)} />
              {m === 'scenes' ? 'Scenes' : m === 'script' ? 'One script' : 'From a topic'}
            </label>
          ))}
        </fieldset>

        {form.mode === 'topic' ? (
          <>
            <Field id="topic" label="What the video is about" error={errors.topic} hint="The service's language model writes the script, scene by scene, as the first stage.">
              {(a) => <textarea {...a} rows={2} value={form.brief} onInput={(e) => set('brief', value(e))} />}
            </Field>
            <div class="row">
              <Field id="duration_s" label="Length in seconds (optional)" error={errors.duration_s}>
                {(a) => <input {...a} type="text" inputMode="numeric" value={form.duration} onInput={(e) => set('duration', value(e))} />}
              </Field>
              <Field id="tone" label="Tone (optional)" error={errors.tone} hint="e.g. playful, calm and factual.">
                {(a) => <input {...a} type="text" value={form.tone} onInput={(e) => set('tone', value(e))} />}
              </Field>
              <Field id="script_format" label="Told as" error={errors.script_format}>
                {(a) => (
                  <select {...a} value={form.scriptFormat} onChange={(e) => set('scriptFormat', value(e) as ComposeForm['scriptFormat'])}>
                    <Options values={SCRIPT_FORMATS} label={(f) => f} />
                  </select>
                )}
              </Field>
            </div>
          </>
        ) : form.mode === 'script' ? (
          <>
            <Field id="script_text" label="Script" error={errors.script_text} hint="Each sentence gets footage of its own. Mark words **like this** to make them stand out.">
              {(a) => <textarea {...a} rows={6} value={form.script} onInput={(e) => set('script', value(e))} />}
            </Field>
            <Field id="search_query" label="Topic (optional)" error={errors.search_query}>
              {(a) => <input {...a} type="text" value={form.topic} onInput={(e) => set('topic', value(e))} />}
            </Field>
          </>
        ) : (
          <fieldset class="scenes">
            <legend>Scenes</legend>
            {errors.scenes && (
              <p class="field-error" data-field="scenes">
                {sentence(errors.scenes)}
              </p>
            )}
            <ol>
              {form.scenes.map((s, i) => (
                <li key={i} class="scene">
                  <Field id={`scenes.${i}.text`} label={`Scene ${i + 1} text`} error={errors[`scenes.${i}.text`]}>
                    {(a) => <textarea {...a} rows={2} value={s.text} onInput={(e) => setScene(i, 'text', value(e))} />}
                  </Field>
                  <div class="row">
                    <Field id={`scenes.${i}.search_query`} label="Search terms" error={errors[`scenes.${i}.search_query`]}>
                      {(a) => <input {...a} type="text" value={s.search_query} onInput={(e) => setScene(i, 'search_query', value(e))} />}
                    </Field>
                    <Field id={`scenes.${i}.clip_url`} label="Clip URL (optional)" error={errors[`scenes.${i}.clip_url`]}>
                      {(a) => <input {...a} type="url" inputMode="url" value={s.clip_url} onInput={(e) => setScene(i, 'clip_url', value(e))} />}
                    </Field>
                  </div>
                  {form.scenes.length > 1 && (
                    <button type="button" class="secondary" onClick={() => set('scenes', form.scenes.filter((_, j) => j !== i))}>
                      Remove scene {i + 1}
                    </button>
                  )}
                </li>
              ))}
            </ol>
            <button type="button" class="secondary" onClick={() => set('scenes', [...form.scenes, { text: '', search_query: '', clip_url: '' }])}>
              Add a scene
            </button>
          </fieldset>
        )}

        <div class="actions">
          <button type="submit" disabled={busy}>
            Render video
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={onStoryboard}>
            Make a storyboard first
          </button>
        </div>

        <fieldset class="templates">
          <legend>Template</legend>
          <div class="row">
            <Field id="template_id" label="Start from a template" error={errors.template_id} hint="Its voice, look and outputs; what you change here wins.">
              {(a) => (
                <select
                  {...a}
                  value={form.templateId}
                  onChange={(e) => {
                    const t = templates.find((x) => x.template_id === value(e));
                    onChange(t ? fromTemplate(form, t) : { ...form, templateId: '' });
                  }}
                >
                  <option value="">None</option>
                  {templates.map((t) => (
                    <option key={t.template_id} value={t.template_id}>
                      {t.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field id="name" label="Save these settings as" error={errors.name}>
              {(a) => <input {...a} type="text" placeholder="Template name" value={templateName} onInput={(e) => setTemplateName(value(e))} />}
            </Field>
          </div>
          <button type="button" class="secondary" disabled={busy || !templateName.trim()} onClick={() => onSaveTemplate(templateName.trim())}>
            Save as template
          </button>
        </fieldset>

        <fieldset>
          <legend>Voice and format</legend>
          <fieldset class="mode">
            <legend>Narration</legend>
            {(['voice', 'recording'] as const).map((n) => (
              <label key={n} class="choice">
                <input type="radio" name="narration" value={n} checked={form.narration === n} onChange={() => set('narration', n)} />
                {n === 'voice' ? 'A voice reads the script' : 'Use my recording'}
              </label>
            ))}
          </fieldset>
          {form.narration === 'recording' && <Voiceover value={form.recording} error={errors['voiceover.upload_id'] ?? errors.voiceover} onChange={(r) => set('recording', r)} />}
          <div class="row">
            {form.narration === 'voice' && (
              <Field id="voice_id" label="Voice" error={errors.voice_id}>
                {(a) => (
                  <select {...a} value={form.voice} onChange={(e) => set('voice', value(e))}>
                    <option value="">The service's default</option>
                    {voices.map((v) => (
                      <option key={v.voice_id} value={v.voice_id}>
                        {v.name}
                        {v.language ? ` (${v.language})` : ''}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            )}
            <Field id="language" label="Language (optional)" error={errors.language} hint="A tag such as en or pt-BR.">
              {(a) => <input {...a} type="text" value={form.language} onInput={(e) => set('language', value(e))} />}
            </Field>
          </div>
          <div class="row">
            <Field id="aspect_ratio" label="Aspect" error={errors.aspect_ratio}>
              {(a) => (
                <select {...a} value={form.aspect} onChange={(e) => set('aspect', value(e) as ComposeForm['aspect'])}>
                  <option value="9:16">9:16 vertical</option>
                  <option value="1:1">1:1 square</option>
                  <option value="16:9">16:9 wide</option>
                </select>
              )}
            </Field>
            <Field id="resolution" label="Resolution" error={errors.resolution}>
              {(a) => (
                <select {...a} value={form.resolution} onChange={(e) => set('resolution', value(e) as ComposeForm['resolution'])}>
                  <option value="720p">720p</option>
                  <option value="1080p">1080p</option>
                </select>
              )}
            </Field>
          </div>
          <div class="row picture">
            <Field id="motion" label="Motion" error={errors.motion} hint="A slow zoom or pan on every piece; photos always move.">
              {(a) => (
                <select {...a} value={picture.motion} onChange={(e) => setPicture('motion', value(e) as MotionStyle)}>
                  <Options values={MOTION_STYLES} label={(m) => m === 'none' ? 'None' : m === 'subtle' ? 'Subtle' : 'Dynamic'} />
                </select>
              )}
            </Field>
            <Field id="transition.type" label="Transitions" error={errors['transition.type'] ?? errors.transition}>
              {(a) => (
                <select {...a} value={picture.transition} onChange={(e) => setPicture('transition', value(e) as TransitionType)}>
                  <Options values={TRANSITION_TYPES} label={(t) => TRANSITION_NAMES[t]} />
                </select>
              )}
            </Field>
            <Field id="transition.duration_s" label={`Overlap ${picture.transitionDuration.toFixed(1)} s`} error={errors['transition.duration_s']}>
              {(a) => <input {...a} type="range" min="0.1" max="1.5" step="0.1" disabled={picture.transition === 'cut'} value={picture.transitionDuration} onInput={(e) => setPicture('transitionDuration', Number(value(e)))} />}
            </Field>
            <Field id="framing" label="Other shapes" error={errors.framing} hint="A landscape clip in a vertical video: cropped, or whole over a blurred copy.">
              {(a) => (
                <select {...a} value={picture.framing} onChange={(e) => setPicture('framing', value(e) as Framing)}>
                  <Options values={FRAMINGS} label={(f) => f === 'cover' ? 'Crop to fill' : 'Whole, over a blur'} />
                </select>
              )}
            </Field>
            <Field id="media" label="Footage" error={errors.media}>
              {(a) => (
                <select {...a} value={picture.media} onChange={(e) => setPicture('media', value(e) as MediaMode)}>
                  {MEDIA_CHOICES.map(([m, label]) => (
                    <option key={m} value={m}>
                      {label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        </fieldset>

        <fieldset class="captions">
          <legend>Captions</legend>
          <label class="choice">
            <input type="checkbox" checked={form.captionsOn} onChange={(e) => set('captionsOn', checked(e))} />
            Burn captions into the video
          </label>
          <div class="captions-grid">
            <div>
              <fieldset class="looks" disabled={off}>
                <legend>Look</legend>
                <div class="look-cards">
                  {CAPTION_LOOKS.map((name) => (
                    <label key={name} class={`look-card${craft.look === name ? ' chosen' : ''}`}>
                      <input type="radio" name="captions.look" value={name} checked={craft.look === name} onChange={() => onChange({ ...form, craft: { ...craft, look: name, font: '', uppercase: 'look', textColor: '', highlightColor: '', emphasisColor: '', outlineColor: '', outlineWidth: null } })} />
                      <Screen
                        aspect="1:1"
                        class="mini"
                        label={`${LOOK_NAMES[name]} look`}
                        look={resolveLook(form.style, name === 'classic' ? {} : { look: name })}
                        captions={{ style: form.style, position: 'center', fontSize: 1.1, look: resolveLook(form.style, name === 'classic' ? {} : { look: name }), words: SAMPLE_WORDS.slice(0, 2) }}
                      />
                      <span>{LOOK_NAMES[name]}</span>
                    </label>
                  ))}
                </div>
              </fieldset>
              <div class="row">
                <Field id="captions.style" label="Style" error={errors['captions.style']}>
                  {(a) => (
                    <select {...a} disabled={off} value={form.style} onChange={(e) => set('style', value(e) as ComposeForm['style'])}>
                      <option value="word-highlight">Word highlight</option>
                      <option value="karaoke">Karaoke</option>
                      <option value="line">Line</option>
                      <option value="boxed">Boxed</option>
                      <option value="pop">Pop</option>
                    </select>
                  )}
                </Field>
                <Field id="captions.position" label="Position" error={errors['captions.position']}>
                  {(a) => (
                    <select {...a} disabled={off} value={form.position} onChange={(e) => set('position', value(e) as ComposeForm['position'])}>
                      <option value="bottom">Bottom</option>
                      <option value="center">Center</option>
                      <option value="top">Top</option>
                    </select>
                  )}
                </Field>
              </div>
              <Field id="captions.font_size" label={`Size ×${form.fontSize.toFixed(1)}`} error={errors['captions.font_size']}>
                {(a) => <input {...a} type="range" min="0.5" max="2" step="0.1" disabled={off} value={form.fontSize} onInput={(e) => set('fontSize', Number(value(e)))} />}
              </Field>
              <div class="row">
                <Field id="captions.font" label="Font" error={errors['captions.font']}>
                  {(a) => (
                    <select {...a} disabled={off} value={craft.font} onChange={(e) => setCraft('font', value(e) as CraftForm['font'])}>
                      <option value="">The look's ({FONT_NAMES[resolveLook(form.style, craft.look === 'classic' ? {} : { look: craft.look }).font]})</option>
                      <Options values={CAPTION_FONTS} label={(f) => FONT_NAMES[f]} />
                    </select>
                  )}
                </Field>
                <Field id="captions.uppercase" label="Case" error={errors['captions.uppercase']}>
                  {(a) => (
                    <select {...a} disabled={off} value={craft.uppercase} onChange={(e) => setCraft('uppercase', value(e) as CraftForm['uppercase'])}>
                      <option value="look">The look's</option>
                      <option value="on">CAPITALS</option>
                      <option value="off">As written</option>
                    </select>
                  )}
                </Field>
                <Field id="captions.emphasis" label="Emphasis" error={errors['captions.emphasis']}>
                  {(a) => (
                    <select {...a} disabled={off} value={craft.emphasis} onChange={(e) => setCraft('emphasis', value(e) as EmphasisMode)}>
                      <option value="marked">Words marked **like this**</option>
                      <option value="auto">Those, numbers and names</option>
                      <option value="off">None</option>
                    </select>
                  )}
                </Field>
              </div>
              <div class="row colours">
                {(
                  [
                    ['textColor', 'captions.text_color', 'Text', look.text],
                    ['highlightColor', 'captions.highlight_color', 'Spoken word', look.highlight],
                    ['emphasisColor', 'captions.emphasis_color', 'Emphasis', look.emphasis],
                    ['outlineColor', 'captions.outline.color', 'Outline', look.outline.colour],
                  ] as const
                ).map(([k, id, label, current]) => (
                  <Field key={id} id={id} label={label} error={errors[id]}>
                    {(a) => <input {...a} type="color" disabled={off} value={current.toLowerCase()} onInput={(e) => setCraft(k, value(e))} />}
                  </Field>
                ))}
                <Field id="captions.outline.width" label={`Outline ${Math.round(look.outline.width * 100)} %`} error={errors['captions.outline.width']}>
                  {(a) => <input {...a} type="range" min="0" max="0.25" step="0.01" disabled={off} value={look.outline.width} onInput={(e) => setCraft('outlineWidth', Number(value(e)))} />}
                </Field>
              </div>
            </div>
            <SampleFrames form={form} />
          </div>
        </fieldset>

        <fieldset class="overlays">
          <legend>On screen</legend>
          <div class="overlay">
            <label class="choice">
              <input type="checkbox" checked={craft.hook} onChange={(e) => setCraft('hook', checked(e))} />
              A hook title over the first seconds
            </label>
            {craft.hook && (
              <div class="row">
                <Field id="hook.text" label="Hook text (empty: the first sentence)" error={errors['hook.text'] ?? errors.hook}>
                  {(a) => <input {...a} type="text" maxLength={120} value={craft.hookText} onInput={(e) => setCraft('hookText', value(e))} />}
                </Field>
                <Field id="hook.duration_s" label={`For ${craft.hookDuration.toFixed(1)} s`} error={errors['hook.duration_s']}>
                  {(a) => <input {...a} type="range" min="0.5" max="10" step="0.5" value={craft.hookDuration} onInput={(e) => setCraft('hookDuration', Number(value(e)))} />}
                </Field>
              </div>
            )}
          </div>
          <div class="overlay">
            <label class="choice">
              <input type="checkbox" checked={craft.bar} onChange={(e) => setCraft('bar', checked(e))} />
              A progress bar
            </label>
            {craft.bar && (
              <div class="row">
                <Field id="progress_bar.position" label="Along the" error={errors['progress_bar.position']}>
                  {(a) => (
                    <select {...a} value={craft.barPosition} onChange={(e) => setCraft('barPosition', value(e) as CraftForm['barPosition'])}>
                      <option value="top">Top</option>
                      <option value="bottom">Bottom</option>
                    </select>
                  )}
                </Field>
                <Field id="progress_bar.color" label="Colour" error={errors['progress_bar.color']}>
                  {(a) => <input {...a} type="color" value={(craft.barColor || look.highlight).toLowerCase()} onInput={(e) => setCraft('barColor', value(e))} />}
                </Field>
              </div>
            )}
          </div>
          <div class="overlay">
            <fieldset class="inline">
              <legend>Watermark</legend>
              {(['none', 'text', 'image'] as const).map((k) => (
                <label key={k} class="choice">
                  <input type="radio" name="watermark" value={k} checked={craft.watermark === k} onChange={() => setCraft('watermark', k)} />
                  {k === 'none' ? 'None' : k === 'text' ? 'A handle' : 'A logo'}
                </label>
              ))}
            </fieldset>
            {craft.watermark !== 'none' && (
              <>
                <div class="row">
                  {craft.watermark === 'text' ? (
                    <Field id="watermark.text" label="Handle" error={errors['watermark.text'] ?? errors['watermark.image_url']}>
                      {(a) => <input {...a} type="text" maxLength={40} placeholder="@yourname" value={craft.watermarkText} onInput={(e) => setCraft('watermarkText', value(e))} />}
                    </Field>
                  ) : (
                    <Field id="watermark.image_url" label="Logo URL (PNG, WebP, SVG or JPEG)" error={errors['watermark.image_url']}>
                      {(a) => <input {...a} type="url" inputMode="url" value={craft.watermarkUrl} onInput={(e) => setCraft('watermarkUrl', value(e))} />}
                    </Field>
                  )}
                  <Field id="watermark.position" label="Corner" error={errors['watermark.position']}>
                    {(a) => (
                      <select {...a} value={craft.watermarkPosition} onChange={(e) => setCraft('watermarkPosition', value(e) as Corner)}>
                        <Options values={CORNERS} label={(c) => CORNER_NAMES[c]} />
                      </select>
                    )}
                  </Field>
                </div>
                <div class="row">
                  <Field id="watermark.opacity" label={`Opacity ${Math.round(craft.watermarkOpacity * 100)} %`} error={errors['watermark.opacity']}>
                    {(a) => <input {...a} type="range" min="0.1" max="1" step="0.05" value={craft.watermarkOpacity} onInput={(e) => setCraft('watermarkOpacity', Number(value(e)))} />}
                  </Field>
                  <Field id="watermark.scale" label={`Size ×${craft.watermarkScale.toFixed(1)}`} error={errors['watermark.scale']}>
                    {(a) => <input {...a} type="range" min="0.5" max="2" step="0.1" value={craft.watermarkScale} onInput={(e) => setCraft('watermarkScale', Number(value(e)))} />}
                  </Field>
                </div>
              </>
            )}
          </div>
          <div class="overlay">
            <label class="choice">
              <input type="checkbox" checked={craft.endCard} onChange={(e) => setCraft('endCard', checked(e))} />
              An end card over the last seconds
            </label>
            {craft.endCard && (
              <>
                <div class="row">
                  <Field id="end_card.text" label="Call to action" error={errors['end_card.text'] ?? errors.end_card}>
                    {(a) => <input {...a} type="text" maxLength={100} placeholder="Follow for part 2" value={craft.endCardText} onInput={(e) => setCraft('endCardText', value(e))} />}
                  </Field>
                  <Field id="end_card.duration_s" label={`For ${craft.endCardDuration.toFixed(1)} s`} error={errors['end_card.duration_s']}>
                    {(a) => <input {...a} type="range" min="1" max="10" step="0.5" value={craft.endCardDuration} onInput={(e) => setCraft('endCardDuration', Number(value(e)))} />}
                  </Field>
                </div>
                <label class="choice">
                  <input type="checkbox" checked={craft.endCardExtend} onChange={(e) => setCraft('endCardExtend', checked(e))} />
                  After the voice (the video gets longer; music goes on)
                </label>
              </>
            )}
          </div>
        </fieldset>

        <fieldset>
          <legend>Music (optional)</legend>
          <div class="row">
            <Field id="music.url" label="Music URL" error={errors['music.url'] ?? errors.music}>
              {(a) => <input {...a} type="url" inputMode="url" value={form.musicUrl} onInput={(e) => set('musicUrl', value(e))} />}
            </Field>
            <Field id="music.volume" label={`Volume ${Math.round(form.musicVolume * 100)} %`} error={errors['music.volume']}>
              {(a) => <input {...a} type="range" min="0" max="1" step="0.05" value={form.musicVolume} onInput={(e) => set('musicVolume', Number(value(e)))} />}
            </Field>
          </div>
        </fieldset>

        <div class="actions">
          <button type="submit" disabled={busy}>
            Render video
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={onStoryboard}>
            Make a storyboard first
          </button>
        </div>
      </form>
    </section>
  );
}

/** The sample line: a spoken word, and an emphasised one ahead of it. */
export const SAMPLE_WORDS = [{ text: 'Every' }, { text: 'word', lit: true }, { text: 'counts', emphasis: true }];

/** The first words of the script, for a hook of its first sentence. */
function firstSentence(form: ComposeForm): string {
  const text = (form.mode === 'script' ? form.script : (form.scenes[0]?.text ?? '')).replace(/[*_`#>]+/g, '').replace(/\s+/g, ' ').trim();
  const first = /^.*?[.!?。！？](\s|$)/u.exec(text)?.[0] ?? text;
  return first.trim() || 'Your first sentence';
}

/**
 * The chosen look and overlays on sample frames of the chosen shape, redrawn as the options
 * change: the opening (hook, captions, bar, watermark) and, with an end card, the last seconds.
 */
function SampleFrames({ form }: { form: ComposeForm }) {
  const c = form.craft;
  const look = lookOf(form);
  const captions = form.captionsOn ? { style: form.style, position: form.position, fontSize: form.fontSize, look, words: SAMPLE_WORDS } : null;
  const bar = (fraction: number) => (c.bar ? { position: c.barPosition, color: c.barColor || look.highlight, fraction } : null);
  const watermark = c.watermark === 'none' ? null : { position: c.watermarkPosition, opacity: c.watermarkOpacity, scale: c.watermarkScale, text: c.watermark === 'text' ? c.watermarkText.trim() || '@yourname' : null, imageUrl: c.watermark === 'image' && /^https?:\/\//.test(c.watermarkUrl.trim()) ? c.watermarkUrl.trim() : null };
  const hook = c.hook ? c.hookText.trim() || firstSentence(form) : null;
  const parts = [form.captionsOn ? `${form.style} captions at the ${form.position} in the ${LOOK_NAMES[c.look]} look` : 'no captions', hook && `the hook "${hook}"`, c.bar && `a progress bar at the ${c.barPosition}`, watermark && `a watermark at the ${CORNER_NAMES[c.watermarkPosition].toLowerCase()}`].filter(Boolean);
  return (
    <figure class="preview">
      <div class="frames">
        <Screen aspect={form.aspect} label={`Sample opening frame with ${parts.join(', ')}`} look={look} captions={hook && !c.hookText.trim() ? null : captions} hook={hook} hookRepeats={!!hook && !c.hookText.trim()} bar={bar(0.08)} watermark={watermark} />
        {c.endCard && (
          <Screen
            aspect={form.aspect}
            label={`Sample last frame with the end card "${c.endCardText.trim() || 'Follow for part 2'}"`}
            look={look}
            captions={c.endCardExtend ? null : captions}
            endCard={c.endCardText.trim() || 'Follow for part 2'}
            endCardAfter={c.endCardExtend}
            bar={bar(0.97)}
            watermark={watermark}
          />
        )}
      </div>
      <figcaption>How the video will look</figcaption>
    </figure>
  );
}
