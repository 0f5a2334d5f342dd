// The storyboard: its sentences over a strip of clip thumbnails (one per timeline piece, as wide
// as its share of the video), the duration and the estimate, and the written script's title,
// description and hashtags when it came from a topic; each piece's clip can be swapped for one of
// its candidates before rendering.
import { useState } from 'preact/hooks';
import type { StoryboardClip, StoryboardView } from './api.ts';

const secs = (s: number) => `${s.toFixed(1)} s`;

interface Props {
  view: StoryboardView;
  busy: boolean;
  onSwap: (piece: number, clip: number) => void;
  onRender: () => void;
}

function clipLabel(c: StoryboardClip): string {
  const by = c.author ? ` by ${c.author}` : '';
  return `${c.provider}${c.source_id ? ` ${c.source_id}` : ''}${by}, ${secs(c.source_start_s)} to ${secs(c.source_end_s)} of the clip`;
}

export function Storyboard({ view, busy, onSwap, onRender }: Props) {
  const [open, setOpen] = useState<number | null>(null);
  const sb = view.storyboard;
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
  return (
    <section aria-labelledby="storyboard-title" class="storyboard">
      <h2 id="storyboard-title" tabIndex={-1}>
        Storyboard
      </h2>
      <dl class="facts">
        <div>
          <dt>Duration</dt>
          <dd data-testid="storyboard-duration">{secs(sb.duration_s)}</dd>
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
      <div class="timeline" role="group" aria-label="Timeline">
        <ol class="sentences" aria-label="Sentences">
          {sb.sentences.map((s, i) => (
            <li key={i} style={{ flexGrow: Math.max(0.001, s.end_s - s.start_s) }}>
              <span class="time">{secs(s.start_s)}</span> {s.text}
            </li>
          ))}
        </ol>
        <ol class="strip" aria-label="Clips">
          {sb.pieces.map((p) => (
            <li key={p.index} class={`piece${p.swapped ? ' swapped' : ''}`} style={{ flexGrow: p.end_s - p.start_s }} data-piece={p.index}>
              <img src={p.clip.thumbnail_url} alt={`Piece ${p.index + 1}: ${clipLabel(p.clip)}`} data-clip={p.clip.clip_id} />
              <span class="time">
                {secs(p.start_s)}–{secs(p.end_s)}
              </span>
              {p.candidates.length > 0 && (
                <button type="button" class="secondary small" aria-expanded={open === p.index} onClick={() => setOpen(open === p.index ? null : p.index)}>
                  Swap clip {p.index + 1}
                </button>
              )}
            </li>
          ))}
        </ol>
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
                    onSwap(open, c.clip_id);
                    setOpen(null);
                  }}
                >
                  <img src={c.thumbnail_url} alt="" />
                  <span>Use {clipLabel(c)}</span>
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
