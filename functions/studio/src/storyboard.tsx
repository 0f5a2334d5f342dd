// The storyboard: its sentences over a strip of clip thumbnails (one per timeline piece, as wide
// as its share of the video) and a row of what shows on screen when (hook, end card, progress
// bar, watermark), the duration and the estimate, and the written script's title, description
// and hashtags when it came from a topic; a preview that plays the voice over the clips'
// thumbnails with the captions and overlays; each piece's clip can be swapped for one of its
// candidates, described by what they show, before rendering.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { StoryboardClip, StoryboardView } from './api.ts';
import { Screen } from './screen.tsx';
import type { AspectRatio } from '../../domain/video-request.ts';
import { LOOKS, type CaptionLook, type Corner } from '../../domain/look.ts';

const secs = (s: number) => `${s.toFixed(1)} s`;

interface Props {
  view: StoryboardView;
  busy: boolean;
  onSwap: (piece: number, clip: number) => Promise<void>;
  onRender: () => void;
}

type Board = NonNullable<StoryboardView['storyboard']>;

function by(c: StoryboardClip): string {
  return [c.provider === 'pexels' ? 'Pexels' : c.provider.replace('_', ' '), c.author ? `by ${c.author}` : ''].filter(Boolean).join(' ');
}

const aspectOf = (w: number, h: number): AspectRatio => (w > h ? '16:9' : w === h ? '1:1' : '9:16');

export function Storyboard({ view, busy, onSwap, onRender }: Props) {
  const [open, setOpen] = useState<number | null>(null);
  const [focusPiece, setFocusPiece] = useState<number | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const [overflow, setOverflow] = useState(false);
  const sb = view.storyboard;

  // After a swap the page redraws the strip: focus goes back to the piece that was swapped.
  useEffect(() => {
    if (focusPiece === null) return;
    document.querySelector<HTMLElement>(`.strip .piece[data-piece="${focusPiece}"] .swap`)?.focus();
    setFocusPiece(null);
  }, [view, focusPiece]);

  // A timeline wider than the screen says so, and shows the edge it continues past.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setOverflow(el.scrollWidth > el.clientWidth + 1);
    measure();
    const ro = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(measure);
    ro?.observe(el);
    return () => ro?.disconnect();
  }, [sb]);

  if (!sb) {
    return (
      <section aria-labelledby="storyboard-title" class="storyboard">
        <h2 id="storyboard-title">Storyboard</h2>
        {view.status === 'failed' || view.status === 'cancelled' ? (
          <p class="problem" role="alert">
            The storyboard {view.status}: {view.error?.message ?? 'no reason given'}
          </p>
        ) : (
          <>
            <label for="storyboard-progress">Preparing: {view.stage}</label>
            <progress id="storyboard-progress" max={100} value={view.progress} />
          </>
        )}
      </section>
    );
  }
  const { estimate, usage } = sb;
  const total = Math.max(sb.duration_s, sb.screen?.duration_s ?? 0);
  const span = (start: number, end: number) => ({ left: `${(100 * start) / total}%`, width: `${(100 * Math.max(0, end - start)) / total}%` });
  return (
    <section aria-labelledby="storyboard-title" class="storyboard">
      <h2 id="storyboard-title" tabIndex={-1}>
        Storyboard
      </h2>
      <dl class="facts">
        <div>
          <dt>Duration</dt>
          <dd data-testid="storyboard-duration">{secs(total)}</dd>
        </div>
        <div>
          <dt>Render estimate</dt>
          <dd>
            about {secs(estimate.render_s)} on a worker, ${estimate.cloud_run_usd.toFixed(5)} on Cloud Run
          </dd>
        </div>
        <div>
          <dt>Used so far</dt>
          <dd>
            {usage.speech_characters} characters of voice ({usage.speech_provider}), {usage.pexels_requests} Pexels requests; rendering uses none again
          </dd>
        </div>
      </dl>
      {view.script && <WrittenScript script={view.script} />}
      {view.warnings.length > 0 && (
        <ul class="warnings">
          {view.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <Preview sb={sb} />
      {overflow && (
        <p class="scroll-cue" id="timeline-cue">
          The timeline is wider than the screen: scroll it sideways to see all {sb.pieces.length} pieces →
        </p>
      )}
      <div class={`timeline-wrap${overflow ? ' overflows' : ''}`}>
        <div class="timeline" ref={scroller} role="group" aria-label="Timeline" tabIndex={overflow ? 0 : undefined} aria-describedby={overflow ? 'timeline-cue' : undefined}>
          <div class="timeline-inner">
          <ol class="sentences" aria-label="Sentences" style={{ width: `${(100 * sb.duration_s) / total}%` }}>
            {sb.sentences.map((s, i) => (
              <li key={i} style={{ flexGrow: Math.max(0.001, s.end_s - s.start_s) }}>
                <span class="time">{secs(s.start_s)}</span> {s.text}
              </li>
            ))}
          </ol>
          <ol class="strip" aria-label="Clips" style={{ width: `${(100 * sb.duration_s) / total}%` }}>
            {sb.pieces.map((p) => (
              <li key={p.index} class={`piece${p.swapped ? ' swapped' : ''}`} style={{ flexGrow: p.end_s - p.start_s }} data-piece={p.index}>
                <img src={p.clip.thumbnail_url} alt={`Piece ${p.index + 1}: ${p.clip.description}`} data-clip={p.clip.clip_id} />
                <span class="time">
                  {secs(p.start_s)}–{secs(p.end_s)}
                </span>
                <span class="drawn" data-testid="piece-drawn">
                  {drawnAs(p)}
                </span>
                {p.candidates.length > 0 && (
                  <button type="button" class="secondary small swap" aria-expanded={open === p.index} onClick={() => setOpen(open === p.index ? null : p.index)}>
                    Swap clip {p.index + 1}
                  </button>
                )}
              </li>
            ))}
          </ol>
          {sb.screen && (sb.screen.hook || sb.screen.end_card || sb.screen.progress_bar || sb.screen.watermark) && (
            <ol class="onscreen" aria-label="On screen">
              {onScreen(sb).map((e) => (
                <li key={e.label} class="track">
                  <span class={`span ${e.kind}${e.start / total > 0.5 ? ' from-right' : ''}`} style={span(e.start, e.end)}>
                    <span class="label">{e.label}</span>
                  </span>
                </li>
              ))}
            </ol>
          )}
          </div>
        </div>
      </div>
      {open !== null && sb.pieces[open] && (
        <fieldset class="candidates">
          <legend>Other clips for piece {open + 1}</legend>
          <ul>
            {sb.pieces[open]!.candidates.map((c) => (
              <li key={c.clip_id}>
                <button
                  type="button"
                  class="candidate"
                  disabled={busy}
                  data-clip={c.clip_id}
                  onClick={() => {
                    const piece = open;
                    setOpen(null);
                    void onSwap(piece, c.clip_id).then(() => setFocusPiece(piece));
                  }}
                >
                  <img src={c.thumbnail_url} alt="" />
                  <span>
                    Use {c.description}
                    <span class="by">{by(c)}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      <div class="actions">
        <button type="button" disabled={busy} onClick={onRender}>
          Render this storyboard
        </button>
      </div>
    </section>
  );
}

/** Each element drawn over the footage, when it shows, and what it says. */
function onScreen(sb: Board): { kind: string; start: number; end: number; label: string }[] {
  const s = sb.screen;
  if (!s) return [];
  const out: { kind: string; start: number; end: number; label: string }[] = [];
  if (s.hook) out.push({ kind: 'hook', start: s.hook.start_s, end: s.hook.end_s, label: `Hook ${secs(s.hook.start_s)}–${secs(s.hook.end_s)}: “${s.hook.text}”` });
  if (s.end_card) {
    const after = s.end_card.end_s > sb.duration_s + 0.01 ? ', after the voice' : '';
    out.push({ kind: 'end-card', start: s.end_card.start_s, end: s.end_card.end_s, label: `End card ${secs(s.end_card.start_s)}–${secs(s.end_card.end_s)}${after}: “${s.end_card.text}”` });
  }
  if (s.progress_bar) out.push({ kind: 'whole', start: 0, end: s.duration_s, label: `Progress bar along the ${s.progress_bar.position}, throughout` });
  if (s.watermark) out.push({ kind: 'whole', start: 0, end: s.duration_s, label: `${s.watermark.text ? `Handle “${s.watermark.text}”` : 'Logo'} at the ${s.watermark.position.replace('-', ' ')}, throughout` });
  return out;
}

/**
 * The storyboard played before rendering: the voice, and at each moment the thumbnail of the
 * piece playing with the caption line, the hook or end card, the progress bar and the watermark.
 */
function Preview({ sb }: { sb: Board }) {
  const audio = useRef<HTMLAudioElement>(null);
  const [t, setT] = useState(0);
  const [playing, setPlaying] = useState(false);
  const screen = sb.screen;
  const total = Math.max(sb.duration_s, screen?.duration_s ?? 0);

  useEffect(() => {
    if (!playing) return;
    let frame = 0;
    let after: number | null = null;
    const tick = (now: number) => {
      const a = audio.current;
      // The voice sets the time; past its end (an end card after it) the clock goes on.
      let time = a ? a.currentTime : 0;
      if (a?.ended) {
        after ??= now - time * 1000;
        time = (now - after) / 1000;
      }
      setT(time);
      if (time >= total) {
        setPlaying(false);
        return;
      }
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [playing]);

  if (!sb.narration_url) return null;
  const piece = sb.pieces.find((p) => t >= p.start_s && t < p.end_s) ?? sb.pieces.at(-1)!;
  const line = sb.captions.find((c) => t >= c.start_s && t < c.end_s);
  // The service's look, its colours `#RRGGBB` as it resolved them.
  const look = (screen?.captions?.look ?? null) as CaptionLook | null;
  const hook = screen?.hook && t < screen.hook.end_s ? screen.hook.text : null;
  const hookRepeats = !!hook && !!screen?.hook && sb.sentences[0]?.text === screen.hook.text;
  const endCard = screen?.end_card && t >= screen.end_card.start_s ? screen.end_card.text : null;
  const captions =
    screen?.captions && look && line && !(hookRepeats && hook)
      ? { style: screen.captions.style as never, position: screen.captions.position as never, fontSize: screen.captions.font_size, look, words: line.text.split(' ').map((text) => ({ text })) }
      : null;
  const w = screen?.watermark;
  const play = () => {
    const a = audio.current;
    if (!a) return;
    if (t >= total - 0.05) a.currentTime = 0;
    void a.play().then(() => setPlaying(true), () => setPlaying(false));
  };
  return (
    <div class="sb-preview">
      <Screen
        aspect={aspectOf(sb.width, sb.height)}
        class="preview-frame"
        label={`Preview at ${secs(t)}: piece ${piece.index + 1}, ${piece.clip.description}${line ? `, “${line.text}”` : ''}`}
        background={piece.clip.thumbnail_url}
        look={look ?? LOOKS.classic}
        captions={captions}
        hook={hook}
        hookRepeats={hookRepeats}
        endCard={endCard}
        endCardAfter={!!screen?.end_card && screen.end_card.start_s >= sb.duration_s - 0.01}
        bar={screen?.progress_bar ? { ...screen.progress_bar, fraction: Math.min(1, t / total) } : null}
        watermark={w ? { position: w.position as Corner, opacity: w.opacity, scale: w.scale, text: w.text, imageUrl: w.image_url } : null}
      />
      <div class="sb-controls">
        <audio ref={audio} src={sb.narration_url} preload="auto" onPause={() => !audio.current?.ended && setPlaying(false)} />
        <button type="button" class="secondary" onClick={() => (playing ? audio.current?.pause() : play())} aria-pressed={playing}>
          {playing ? 'Pause preview' : 'Play preview'}
        </button>
        <span class="time" data-testid="preview-time">
          {secs(Math.min(t, total))} / {secs(total)}
        </span>
        <p class="hint">The voice over each clip's thumbnail, with the captions and what shows on screen: the video moves, this does not.</p>
      </div>
    </div>
  );
}

/** The script written from the topic: the words for posting it; its scenes are the timeline's. */
function WrittenScript({ script }: { script: NonNullable<StoryboardView['script']> }) {
  return (
    <dl class="facts written" data-testid="written-script">
      <div>
        <dt>Title</dt>
        <dd>{script.title}</dd>
      </div>
      <div>
        <dt>Description</dt>
        <dd>{script.description}</dd>
      </div>
      <div>
        <dt>Hashtags</dt>
        <dd>{script.hashtags.join(' ')}</dd>
      </div>
      <div>
        <dt>Written by</dt>
        <dd>
          {script.model}, about {secs(script.estimated_duration_s)}
        </dd>
      </div>
    </dl>
  );
}

const MOVE_WORDS: Record<string, string> = { 'zoom-in': 'zoom in', 'zoom-out': 'zoom out', 'pan-left': 'pan left', 'pan-right': 'pan right', 'pan-up': 'pan up', 'pan-down': 'pan down' };

/** How the render draws a piece, in a few words: the transition into it, its move, a blurred backdrop. */
function drawnAs(p: { motion: string | null; transition: { type: string; duration_s: number } | null; framing: string }): string {
  return [p.transition ? `${p.transition.type} ${p.transition.duration_s} s` : null, p.motion ? MOVE_WORDS[p.motion] ?? p.motion : 'still', p.framing === 'blur' ? 'blur framing' : null].filter(Boolean).join(' · ');
}
