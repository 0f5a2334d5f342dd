// What every delivery that renders shares while it runs: a heartbeat that renews its lease and
// stops the work when the lease is gone (cancelled, or taken over), its own deadline below Cloud
// Tasks' 30 minutes, the process's shutdown, and a place in RunningTasks so a cancel arriving at
// this process stops it at once. The work watches `signal`.
import { CancelledError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { RunningTasks } from './running-tasks.ts';

export type StopReason = 'cancelled' | 'lost_lease' | 'deadline' | 'shutdown';

export interface AttemptGuardOptions {
  taskId: string;
  /** Renews the lease; false when this delivery no longer holds it. */
  renew: () => Promise<boolean>;
  /** After a lost lease: was the task cancelled (rather than taken over)? */
  cancelled: () => Promise<boolean>;
  leaseMs: number;
  deadlineMs: number;
  shutdown: AbortSignal;
  running: RunningTasks;
  log: Logger;
}

export interface AttemptGuard {
  signal: AbortSignal;
  /** Why the work was stopped, or null while it runs. */
  readonly reason: StopReason | null;
  dispose(): void;
}

export function guardAttempt(o: AttemptGuardOptions): AttemptGuard {
  const ac = new AbortController();
  let reason: StopReason | null = null;
  const stop = (why: StopReason) => {
    reason ??= why;
    ac.abort(new CancelledError());
  };
  const onShutdown = () => stop('shutdown');
  o.shutdown.addEventListener('abort', onShutdown, { once: true });
  const unregister = o.running.add(o.taskId, () => stop('cancelled'));
  const deadline = setTimeout(() => stop('deadline'), o.deadlineMs);
  const heartbeat = setInterval(async () => {
    try {
      if (!(await o.renew())) stop((await o.cancelled()) ? 'cancelled' : 'lost_lease');
    } catch (err) {
      o.log.warn({ err: (err as Error).message }, 'lease renewal failed');
    }
  }, Math.max(200, Math.floor(o.leaseMs / 3)));
  return {
    signal: ac.signal,
    get reason() {
      return reason;
    },
    dispose() {
      clearTimeout(deadline);
      clearInterval(heartbeat);
      unregister();
      o.shutdown.removeEventListener('abort', onShutdown);
    },
  };
}
