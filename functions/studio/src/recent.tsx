// The current key's videos, newest first (GET /v1/videos), a page at a time: each with its
// thumbnail (or its shape, before it has one), the script's first words, its shape, its length
// and where it stands, so one is told from another at a glance.
import type { TaskView } from './api.ts';

interface Props {
  tasks: TaskView[];
  more: boolean;
  onOpen: (id: string) => void;
  onMore: () => void;
  onRefresh: () => void;
}

const STATUS: Record<TaskView['status'], string> = { queued: 'Waiting', processing: 'Rendering', completed: 'Ready', failed: 'Failed', cancelled: 'Cancelled' };

export function Recent({ tasks, more, onOpen, onMore, onRefresh }: Props) {
  return (
    <section aria-labelledby="recent-title" class="recent">
      <h2 id="recent-title">Recent videos</h2>
      <button type="button" class="secondary small" onClick={onRefresh}>
        Refresh
      </button>
      {tasks.length === 0 ? (
        <p>No videos yet.</p>
      ) : (
        <ol>
          {tasks.map((t) => {
            const shape = t.summary.aspect_ratio.replace(':', '-');
            const when = new Date(t.created_at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
            return (
              <li key={t.task_id} data-task={t.task_id}>
                <button type="button" class="recent-item" onClick={() => onOpen(t.task_id)}>
                  <span class={`thumb aspect-${shape}`}>{t.result?.thumbnail_url && <img src={t.result.thumbnail_url} alt="" loading="lazy" />}</span>
                  <span class="recent-text">
                    <span class="first-words">{t.summary.text || 'Untitled'}</span>
                    <span class="recent-facts">
                      {t.summary.aspect_ratio} · {t.result ? `${t.result.duration_s.toFixed(1)} s` : t.status === 'processing' ? `${t.progress} %` : '—'} · {when}
                    </span>
                  </span>
                  <span class={`badge ${t.status}`}>{STATUS[t.status]}</span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
      {more && (
        <button type="button" class="secondary small" onClick={onMore}>
          Older videos
        </button>
      )}
    </section>
  );
}
