/**
 * The one funnel for error answers (SPEC §7): every one is `{"error": {"code", "message"}}`
 * with `Content-Type: application/json`, made by `errorBody` here and nowhere else: the
 * answers this HTTP layer makes itself (a request that is not valid HTTP, an unknown method,
 * a handler that threw), the API's (src/api/errors.ts), the supervisor's fallback responder.
 */

/** What the layer refuses, and whether the connection can go on after the answer. */
export type Refusal = {
  status: number;
  code: string;
  message: string;
  /** The stream cannot be resynchronised (bad framing, garbage): answer, then close. */
  close: boolean;
  headers?: Record<string, string>;
};

export function refuse(status: number, code: string, message: string, close = true, headers?: Record<string, string>): Refusal {
  return headers ? { status, code, message, close, headers } : { status, code, message, close };
}

export const badRequest = (message: string): Refusal => refuse(400, "bad_request", message);

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

export function errorJson(code: string, message: string): string {
  return JSON.stringify(errorBody(code, message));
}

/** The same shape as a web Response, for answers made inside a handler's turn (500, a bad upgrade). */
export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(errorJson(code, message), { status, headers: { ...headers, "content-type": "application/json" } });
}

/** Text for an error's message: its own message, never a stack. */
export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
