// Asking the render queue for a task's delivery. The task record is the source of truth: an ask
// that fails is recorded on the task (dispatch_failed_at) and the sweeper asks again at its next
// run, so an accepted task is never left without a delivery.
import { lastDispatch, redispatch, type LeasedRecord } from '../domain/task.ts';
import type { Logger } from '../log.ts';
import { renderJob, type JobFor } from '../platform/jobs.ts';
import type { LeasedStore } from '../platform/leased-store.ts';
import type { Dispatcher } from '../platform/ports.ts';

/**
 * Enqueues the task's current render job (`fresh`: a new one, for a task whose last delivery is
 * gone). Resolves true when the queue took it; false when it did not, after noting that on the task.
 */
export async function askRender<R extends LeasedRecord>(store: LeasedStore<R>, dispatcher: Dispatcher, taskId: string, log: Logger, fresh = false, jobFor: JobFor = renderJob): Promise<boolean> {
  const job = fresh
    ? await store.update(taskId, (task, now) => {
        const next = task ? redispatch(task, now) : null;
        return { write: next?.task ?? null, result: next?.job ?? null };
      })
    : await store.get(taskId).then((task) => (task ? lastDispatch(task) : null));
  if (job === null) return false;
  try {
    await dispatcher.enqueue(jobFor(taskId, job));
  } catch (err) {
    log.error({ task_id: taskId, err: (err as Error).message }, 'the render queue refused the task; the sweeper will ask again');
    await store
      .update(taskId, (task, now) => ({ write: task ? { ...task, dispatch_failed_at: now.toISOString() } : null, result: null }))
      .catch(() => undefined);
    return false;
  }
  await store.update(taskId, (task) => ({ write: task?.dispatch_failed_at ? { ...task, dispatch_failed_at: null } : null, result: null }));
  return true;
}
