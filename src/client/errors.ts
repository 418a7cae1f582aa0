/**
 * The client's two failures, kept apart because callers react to them differently:
 *
 * - `GaiaApiError`: gaia answered, with an error status and its `{"error": {code, message}}`
 *   body (SPEC §7). The request reached gaia; whether to retry depends on the status (429
 *   and 503 carry `retryAfterS`).
 * - `GaiaUnreachableError`: nothing usable came back: no socket file (ENOENT), nobody
 *   listening (ECONNREFUSED), the connection dropped (ECONNRESET), a TLS failure, or no
 *   answer within the request's `timeoutMs` (`code: "timeout"`).
 */

export class GaiaApiError extends Error {
  override name = "GaiaApiError";

  constructor(
    /** The HTTP status: 400, 401, 404, 405, 409, 413, 429, 503, 507, or 5xx. */
    readonly status: number,
    /** gaia's error code (`unknown_task`, `queue_full`, ...), or `http_error` for a body that is not gaia's. */
    readonly code: string,
    message: string,
    /** Seconds the server asked to wait before retrying (`Retry-After`), when it said. */
    readonly retryAfterS: number | null = null,
    /** The parsed body as it came (an error body may carry more, e.g. `/ready`'s reasons). */
    readonly body: unknown = null,
  ) {
    super(message);
  }
}

export class GaiaUnreachableError extends Error {
  override name = "GaiaUnreachableError";

  constructor(
    /** Where the client tried: a socket path or a URL. */
    readonly endpoint: string,
    /** The system's error code (`ENOENT`, `ECONNREFUSED`, ...) or `timeout`. */
    readonly code: string,
    message: string,
    readonly timeoutMs: number | null = null,
  ) {
    super(message);
  }
}

/** The error for an error answer: gaia's own body, or whatever a proxy sent. */
export function apiErrorFrom(status: number, body: unknown, retryAfter: string | undefined): GaiaApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const retry = retryAfter === undefined || retryAfter.trim() === "" || !Number.isFinite(Number(retryAfter)) ? null : Number(retryAfter);
  if (error && typeof error.code === "string") return new GaiaApiError(status, error.code, String(error.message ?? ""), retry, body);
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new GaiaApiError(status, "http_error", `HTTP ${status}: ${firstLine(text ?? "", 200)}`, retry, body);
}

/** The error for a transport failure, with a message a person can act on. */
export function unreachableFrom(endpoint: string, err: unknown, unix: boolean): GaiaUnreachableError {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "ENOENT" || code === "ECONNREFUSED") {
    const hint = unix ? " (is it running? start it with 'gaia start')" : " (is it running, with control.listen set to this address?)";
    return new GaiaUnreachableError(endpoint, code, `cannot reach gaia at ${endpoint}${hint}`);
  }
  // EACCES, ENAMETOOLONG (a Unix socket path has at most 107 bytes), ECONNRESET, TLS errors:
  // the "is it running?" hint would mislead, so say what the system said instead.
  const why = typeof code === "string" ? code : err instanceof Error ? err.message : String(err);
  const detail = typeof code === "string" && err instanceof Error && !err.message.includes(code) ? `${code} (${err.message})` : why;
  return new GaiaUnreachableError(endpoint, typeof code === "string" ? code : "error", `cannot reach gaia at ${endpoint}: ${detail}`);
}

export function timeoutError(endpoint: string, timeoutMs: number): GaiaUnreachableError {
  return new GaiaUnreachableError(endpoint, "timeout", `gaia at ${endpoint} did not answer within ${timeoutMs / 1000} s`, timeoutMs);
}

/** The first line of `text`, cut to `max` characters. */
function firstLine(text: string, max: number): string {
  const line = text.split("\n", 1)[0]!;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
