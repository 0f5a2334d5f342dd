// The current key's videos, newest first (GET /v1/videos), a page at a time.
import type { TaskView } from './api.ts';

interface Props {
  tasks: TaskView[];
  more: boolean;
  onOpen: (id: string) => void;
  onMore: () => void;
  onRefresh: () => void;
}

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
          {tasks.map((t) => (
            <li key={t.task_id} data-task={t.task_id}>
              <button type="button" class="link" onClick={() => onOpen(t.task_id)}>
                {new Date(t.created_at).toLocaleString()}
              </button>{' '}
              <span class={`badge ${t.status}`}>{t.status}</span>
              {t.status === 'processing' && <span> {t.progress} %</span>}
              {t.result && <span> · {t.result.duration_s.toFixed(1)} s</span>}
            </li>
          ))}
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
