/**
 * The API's funnel for errors: every failure leaves as `{error: {code, message}}` with its
 * status (SPEC §7), the body made by src/http/errors.ts's errorBody, as every error of gaia's. Handlers throw a Refusal (the engine's
 * reasons, src/io/refusal.ts) or an ApiError (the API's own: a bad body, a bad query);
 * anything else thrown is a bug, logged and answered 500.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { errorBody } from "../http/errors.ts";
import { Refusal } from "../io/refusal.ts";

/** The API's own refusals are the engine's kind: one class, one shape. */
export { Refusal as ApiError };

export { errorBody, errorResponse } from "../http/errors.ts";

export function errorFromThrown(c: Context, err: unknown, log: (line: string) => void): Response {
  if (err instanceof Refusal) {
    if (err.retryAfterS !== undefined) c.header("Retry-After", String(err.retryAfterS));
    return c.json(errorBody(err.code, err.message), err.status as ContentfulStatusCode);
  }
  log(`internal error on ${c.req.method} ${c.req.path}: ${(err as Error)?.stack ?? err}`);
  return c.json(errorBody("internal", `internal error: ${(err as Error)?.message ?? err}`), 500);
}

/** A zod failure as one readable sentence: where, and what was wrong. */
export function invalid(error: z.ZodError, what: string): Refusal {
  const issue = error.issues[0]!;
  const at = issue.path.length ? issue.path.join(".") : what;
  if (issue.code === "unrecognized_keys") {
    return new Refusal(400, "invalid_request", `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")} in ${at}`);
  }
  return new Refusal(400, "invalid_request", `${at}: ${issue.message}`);
}
