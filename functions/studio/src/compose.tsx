// Compose: a script, or scenes with their own search terms and clip, the voice and the look, with
// a live preview of the caption style on a sample frame. Field errors from the API appear next to
// their fields (the form does no validation of its own: the API's messages are the reference).
import type { ComponentChildren } from 'preact';
import { REQUEST_DEFAULTS as D } from '../../domain/request-defaults.ts';
import type { AspectRatio, CaptionOptions, VideoRequest, VideoRequestInput } from '../../domain/video-request.ts';
import type { Voice } from './api.ts';
import { Voiceover, type Recording } from './voiceover.tsx';

export interface SceneInput {
  text: string;
  search_query: string;
  clip_url: string;
}

export interface ComposeForm {
  mode: 'script' | 'scenes';
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
}

export const EMPTY_FORM: ComposeForm = {
  mode: 'scenes',
  script: '',
  topic: '',
  scenes: [
    { text: '', search_query: '', clip_url: '' },
    { text: '', search_query: '', clip_url: '' },
  ],
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
};

/** The request body the form describes; empty fields are left out so the API's defaults apply. */
export function requestOf(f: ComposeForm): VideoRequestInput {
  const trim = (s: string) => s.trim();
  const body: VideoRequestInput = { aspect_ratio: f.aspect, resolution: f.resolution };
  if (f.mode === 'script') body.script_text = f.script;
  else {
    body.scenes = f.scenes.map((s) => ({
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
  body.captions = f.captionsOn ? { style: f.style, position: f.position, font_size: f.fontSize } : false;
  if (trim(f.musicUrl)) body.music = { url: trim(f.musicUrl), volume: f.musicVolume };
  return body;
}

export type FieldErrors = Record<string, string>;

/** What the page itself must say before asking: "my recording" chosen and none made yet. */
export function missingRecording(f: ComposeForm): FieldErrors {
  return f.narration === 'recording' && !f.recording ? { 'voiceover.upload_id': 'Upload or record your narration first, or let a voice read the script.' } : {};
}

interface Props {
  form: ComposeForm;
  voices: Voice[];
  errors: FieldErrors;
  busy: boolean;
  onChange: (f: ComposeForm) => void;
  onStoryboard: () => void;
  onRender: () => void;
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
          {p.error}
        </p>
      )}
    </div>
  );
}

export function Compose({ form, voices, errors, busy, onChange, onStoryboard, onRender }: Props) {
  const set = <K extends keyof ComposeForm>(k: K, v: ComposeForm[K]) => onChange({ ...form, [k]: v });
  const setScene = (i: number, k: keyof SceneInput, v: string) => set('scenes', form.scenes.map((s, j) => (j === i ? { ...s, [k]: v } : s)));
  const value = (e: Event) => (e.currentTarget as HTMLInputElement).value;
  return (
    <section aria-labelledby="compose-title">
      <h2 id="compose-title">Compose</h2>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          onStoryboard();
        }}
      >
        <fieldset class="mode">
          <legend>Write it as</legend>
          {(['scenes', 'script'] as const).map((m) => (
            <label key={m} class="choice">
              <input type="radio" name="mode" value={m} checked={form.mode === m} onChange={() => set('mode', m)} />
              {m === 'scenes' ? 'Scenes' : 'One script'}
            </label>
          ))}
        </fieldset>

        {form.mode === 'script' ? (
          <>
            <Field id="script_text" label="Script" error={errors.script_text} hint="Each sentence gets footage of its own.">
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
                {errors.scenes}
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
        </fieldset>

        <fieldset class="captions">
          <legend>Captions</legend>
          <label class="choice">
            <input type="checkbox" checked={form.captionsOn} onChange={(e) => set('captionsOn', (e.currentTarget as HTMLInputElement).checked)} />
            Burn captions into the video
          </label>
          <div class="captions-grid">
            <div>
              <Field id="captions.style" label="Style" error={errors['captions.style']}>
                {(a) => (
                  <select {...a} disabled={!form.captionsOn} value={form.style} onChange={(e) => set('style', value(e) as ComposeForm['style'])}>
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
                  <select {...a} disabled={!form.captionsOn} value={form.position} onChange={(e) => set('position', value(e) as ComposeForm['position'])}>
                    <option value="bottom">Bottom</option>
                    <option value="center">Center</option>
                    <option value="top">Top</option>
                  </select>
                )}
              </Field>
              <Field id="captions.font_size" label={`Size ×${form.fontSize.toFixed(1)}`} error={errors['captions.font_size']}>
                {(a) => (
                  <input
                    {...a}
                    type="range"
                    min="0.5"
                    max="2"
                    step="0.1"
                    disabled={!form.captionsOn}
                    value={form.fontSize}
                    onInput={(e) => set('fontSize', Number(value(e)))}
                  />
                )}
              </Field>
            </div>
            <CaptionPreview form={form} />
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
            Make storyboard
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={onRender}>
            Render without a storyboard
          </button>
        </div>
      </form>
    </section>
  );
}

/** The caption style on a sample frame of the chosen shape, redrawn as the options change. */
function CaptionPreview({ form }: { form: ComposeForm }) {
  const words = ['Every', 'word', 'lights', 'up'];
  const spoken = 1;
  const line = words.map((w, i) => {
    const lit = form.style === 'karaoke' ? i <= spoken : (form.style === 'word-highlight' || form.style === 'boxed' || form.style === 'pop') && i === spoken;
    return (
      <span key={i} class={lit ? `lit${form.style === 'pop' ? ' pop' : ''}` : undefined}>
        {w}
        {i < words.length - 1 ? ' ' : ''}
      </span>
    );
  });
  return (
    <figure class="preview">
      <div
        class={`frame aspect-${form.aspect.replace(':', '-')}`}
        role="img"
        aria-label={form.captionsOn ? `Sample frame with ${form.style} captions at the ${form.position}` : 'Sample frame without captions'}
      >
        {form.captionsOn && (
          <p class={`caption style-${form.style} at-${form.position}`} style={{ '--scale': String(form.fontSize) }} aria-hidden="true">
            <span class="line">{line}</span>
          </p>
        )}
      </div>
      <figcaption>Caption preview</figcaption>
    </figure>
  );
}
