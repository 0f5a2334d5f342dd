// An error answer of this service as its clients meet it: the HTTP status and the body's
// `{error: {code, message, details?}}`. The one class api/client.ts (the CLI, the MCP tools) and
// the studio page throw; it imports nothing at run time, so the studio bundles only this.
import type { ErrorBody } from './schemas.ts';

export type FieldError = NonNullable<ErrorBody['error']['details']>[number];

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The failing fields (422), e.g. `captions.style`; empty when the error names none. */
  readonly details: FieldError[];
  constructor(status: number, code: string, message: string, details: FieldError[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The error a response body carries in the service's shape; null when the body is not one. */
  static of(status: number, body: unknown): ApiError | null {
    const e = (body as Partial<ErrorBody> | null)?.error;
    return typeof e?.code === 'string' && typeof e.message === 'string' ? new ApiError(status, e.code, e.message, e.details ?? []) : null;
  }
}
