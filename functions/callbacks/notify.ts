// The callback of a task that just ended: its public view, with fresh signed URLs, POSTed to the
// request's callback_url.
import type { TaskRecord } from '../domain/task.ts';
import { toView, type UrlSigner } from '../domain/task-view.ts';
import type { Logger } from '../log.ts';
import { sendCallback } from './send-callback.ts';

export interface NotifierOptions {
  blobs: UrlSigner;
  signedUrlTtlS: number;
  secret: string;
  allowPrivate: boolean;
  allowedPorts?: readonly number[];
  log: Logger;
}

export type Notify = (task: TaskRecord) => Promise<void>;

export function createNotifier(opts: NotifierOptions): Notify {
  return async (task) => {
    const url = task.request.callback_url;
    if (!url) return;
    const view = await toView(task, opts.blobs, opts.signedUrlTtlS);
    await sendCallback(url, view, {
      secret: opts.secret,
      allowPrivate: opts.allowPrivate,
      ...(opts.allowedPorts ? { allowedPorts: opts.allowedPorts } : {}),
      log: opts.log,
    });
  };
}
