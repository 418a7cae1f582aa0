/**
 * The one funnel for API errors: every failure leaves as `{error: {code, message}}` with its
 * status. Handlers throw ApiError; anything else thrown is a bug, logged and answered 500.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export function errorResponse(c: Context, err: unknown, log: (line: string) => void): Response {
  if (err instanceof ApiError) {
    if (err.retryAfterS !== undefined) c.header("Retry-After", String(err.retryAfterS));
    return c.json({ error: { code: err.code, message: err.message } }, err.status);
  }
  log(`internal error on ${c.req.method} ${c.req.path}: ${(err as Error)?.stack ?? err}`);
  return c.json({ error: { code: "internal", message: `internal error: ${(err as Error)?.message ?? err}` } }, 500);
}

/** A zod failure as one readable sentence: where, and what was wrong. */
export function invalid(error: z.ZodError, what: string): ApiError {
  const issue = error.issues[0]!;
  const at = issue.path.length ? issue.path.join(".") : what;
  if (issue.code === "unrecognized_keys") {
    return new ApiError(400, "invalid_request", `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")} in ${at}`);
  }
  return new ApiError(400, "invalid_request", `${at}: ${issue.message}`);
}
