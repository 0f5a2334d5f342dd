// The Dispatcher contract against the in-process dispatcher (the local default).
import { createLogger } from '../../functions/log.ts';
import { defaultQueuePolicies, LocalDispatcher } from '../../functions/platform/local-dispatcher.ts';
import { dispatcherContract } from './dispatcher.contract.ts';

dispatcherContract('LocalDispatcher', async (workerUrl) => {
  const dispatcher = new LocalDispatcher({
    workerUrls: () => [workerUrl],
    queues: Object.fromEntries(
      Object.entries(defaultQueuePolicies({ maxConcurrentRenders: 4, renderDeadlineMs: 60_000 })).map(([q, p]) => [q, { ...p, minBackoffMs: 10, maxBackoffMs: 100 }]),
    ) as ReturnType<typeof defaultQueuePolicies>,
    log: createLogger('fatal'),
  });
  return { dispatcher, idle: () => dispatcher.idle() };
});
