// What `reelsmith` exits with (docs/cli.md documents the same table).
export const EXIT = {
  ok: 0,
  /** The video could not be made: the render or the task failed. */
  failed: 1,
  /** Bad arguments, an unreadable or invalid script, a bad configuration. */
  usage: 2,
  /** The service refused the request (4xx): invalid fields, a missing key, an unknown task. */
  refused: 3,
  /** The service could not be reached, or answered 5xx. */
  unreachable: 4,
  /** The task was cancelled. */
  cancelled: 5,
  /** Interrupted with Ctrl-C. */
  interrupted: 130,
  /** Stopped by SIGTERM (cleaned up as for Ctrl-C). */
  terminated: 143,
} as const;

/** An error the CLI reports as one line and an exit code, never a stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly code: string;
  constructor(exitCode: number, code: string, message: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.code = code;
  }
}
