// A render: live progress by stage with a cancel button, then the player and the downloads (MP4,
// SRT, VTT, thumbnail, credits).
import type { TaskView } from './api.ts';

const STAGES: Record<TaskView['stage'], string> = { queued: 'Waiting for a worker', script: 'Writing the script', speech: 'Voice', footage: 'Footage', render: 'Rendering', upload: 'Storing', done: 'Done' };

interface Props {
  task: TaskView;
  busy: boolean;
  onCancel: () => void;
}

/** The credits as a text file a person can paste under a post. */
function creditsUrl(task: TaskView): string {
  const lines = (task.result?.credits ?? []).map((c) =>
    [c.attribution ?? `${c.author ?? 'unknown author'} · ${c.provider}`, c.photo_url ?? c.video_url ?? c.author_url ?? ''].filter(Boolean).join(' · '),
  );
  return URL.createObjectURL(new Blob([`Footage credits\n${lines.join('\n')}\n`], { type: 'text/plain' }));
}

export function Render({ task, busy, onCancel }: Props) {
  const running = task.status === 'queued' || task.status === 'processing';
  const r = task.result;
  return (
    <section aria-labelledby="render-title" class="render">
      <h2 id="render-title" tabIndex={-1}>
        Video
      </h2>
      <p class="status" aria-live="polite" data-testid="render-status">
        {task.status === 'completed'
          ? 'Done.'
          : task.status === 'failed'
            ? `Failed: ${task.error?.message ?? 'no reason given'}`
            : task.status === 'cancelled'
              ? 'Cancelled.'
              : `${STAGES[task.stage]}: ${task.progress} %`}
      </p>
      {running && (
        <>
          <progress aria-label="Render progress" max={100} value={task.progress} />
          <div class="actions">
            <button type="button" class="danger" disabled={busy} onClick={onCancel}>
              Cancel render
            </button>
          </div>
        </>
      )}
      {task.status === 'completed' && r && (
        <>
          <video class={`player aspect-${r.width > r.height ? '16-9' : r.width === r.height ? '1-1' : '9-16'}`} controls preload="auto" src={r.video_url} poster={r.thumbnail_url ?? undefined}>
            {r.captions_url && <track kind="captions" srclang="en" label="Captions" src={r.captions_url} />}
          </video>
          <p>
            {r.duration_s.toFixed(2)} s · {r.width}×{r.height} · {(r.size_bytes / 1e6).toFixed(1)} MB
          </p>
          {(r.title || r.description || r.hashtags.length > 0) && (
            <dl class="facts posting" data-testid="posting">
              {r.title && (
                <div>
                  <dt>Title</dt>
                  <dd>{r.title}</dd>
                </div>
              )}
              {r.description && (
                <div>
                  <dt>Description</dt>
                  <dd>{r.description}</dd>
                </div>
              )}
              {r.hashtags.length > 0 && (
                <div>
                  <dt>Hashtags</dt>
                  <dd>{r.hashtags.join(' ')}</dd>
                </div>
              )}
            </dl>
          )}
          <ul class="downloads" aria-label="Downloads">
            <li>
              <a href={r.video_url} download={`${task.task_id}.mp4`}>
                MP4
              </a>
            </li>
            {r.captions_srt_url && (
              <li>
                <a href={r.captions_srt_url} download={`${task.task_id}.srt`}>
                  SRT captions
                </a>
              </li>
            )}
            {r.captions_url && (
              <li>
                <a href={r.captions_url} download={`${task.task_id}.vtt`}>
                  VTT captions
                </a>
              </li>
            )}
            {r.thumbnail_url && (
              <li>
                <a href={r.thumbnail_url} download={`${task.task_id}.jpg`}>
                  Thumbnail
                </a>
              </li>
            )}
            <li>
              <a href={creditsUrl(task)} download={`${task.task_id}-credits.txt`}>
                Credits
              </a>
            </li>
          </ul>
        </>
      )}
      {task.warnings.length > 0 && (
        <ul class="warnings">
          {task.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
