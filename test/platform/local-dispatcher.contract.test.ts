// The Dispatcher contract against the in-process dispatcher (the local default).
import { createLogger } from '../../functions/log.ts';
import { LocalDispatcher } from '../../functions/platform/local-dispatcher.ts';
import { dispatcherContract } from './dispatcher.contract.ts';

dispatcherContract('LocalDispatcher', async (workerUrl) => {
  const dispatcher = new LocalDispatcher({
    workerUrl: () => workerUrl,
    maxConcurrent: 4,
    minBackoffMs: 10,
    maxBackoffMs: 100,
    log: createLogger('fatal'),
  });
  return { dispatcher, idle: () => dispatcher.idle() };
});
