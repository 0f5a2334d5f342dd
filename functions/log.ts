// JSON logs in the shape Cloud Logging reads: `severity`, `message`, and the trace of the request.
import { pino, type Logger } from 'pino';

export type { Logger };

const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      messageKey: 'message',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }) },
    },
    destination,
  );
}

/** The `logging.googleapis.com/trace` field that ties a log line to its request in Cloud Logging. */
export function traceFields(traceHeader: string | undefined, project: string | undefined): Record<string, string> {
  const traceId = traceHeader?.split('/')[0];
  if (!traceId || !project) return {};
  return { 'logging.googleapis.com/trace': `projects/${project}/traces/${traceId}` };
}
