/**
 * The one funnel for API errors: every failure leaves as `{error: {code, message}}` with its
 * status (SPEC §7), made here and nowhere else. Handlers throw a Refusal (the engine's
 * reasons, src/io/refusal.ts) or an ApiError (the API's own: a bad body, a bad query);
 * anything else thrown is a bug, logged and answered 500.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { Refusal } from "../io/refusal.ts";

/** The API's own refusals are the engine's kind: one class, one shape. */
export { Refusal as ApiError };

/** The body of every error answer. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** An error answer outside Hono (the HTTP layer, the supervisor's responder). */
export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(errorBody(code, message)), { status, headers: { "content-type": "application/json", ...headers } });
}

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
