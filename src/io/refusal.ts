/**
 * A request the IO engine will not carry out, and why: the status and code the API answers
 * with (SPEC §7: `{"error": {"code", "message"}}`). Engine code throws a Refusal or returns
 * one as a value; the API's one funnel (src/api/errors.ts) renders it.
 */
export type RefusalStatus = 400 | 401 | 404 | 405 | 409 | 413 | 429 | 503 | 507;

export class Refusal extends Error {
  constructor(
    readonly status: RefusalStatus,
    readonly code: string,
    message: string,
    /** Seconds, for `Retry-After` (429 queue full, 503 not ready yet). */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export const notFound = (what: string, hint = "") => new Refusal(404, "not_found", `no ${what}${hint}`);
