/**
 * HTTP over gaia's control socket with Bun's fetch (`unix:` option), and the one place where
 * transport and API failures become exit codes:
 *
 * - The socket does not answer (ENOENT: no socket file; ECONNREFUSED: a stale one, nobody
 *   listening; ECONNRESET: gaia died mid-request): exit 3, "cannot reach gaia".
 * - An API error `{"error": {code, message}}` prints `gaia: CODE: MESSAGE` and exits
 *     2 for 400, 404, 405, 409, 413, 422: the request itself was wrong (bad input, unknown
 *       job, job already finished); changing the command line fixes it, like a usage error;
 *     3 for 503: gaia is starting or shutting down and takes no requests, which to a script
 *       is the same as not reachable (retry later, or start it);
 *     1 for anything else (429 queue full, 507 array store full, 5xx): the request was fine
 *       but gaia could not do it now.
 */
import { CliError, EXIT } from "./errors.ts";
import { truncate } from "./format.ts";

export type Reply = { status: number; headers: Headers; body: unknown };

export type SendOptions = {
  /** A JSON body; sets Content-Type. */
  json?: unknown;
  /** A raw body (an uploaded .npy file); give its Content-Type in `headers`. */
  body?: RequestInit["body"];
  headers?: Record<string, string>;
  /** No limit by default: long polls (`?wait=S`) may rightly take minutes. */
  timeoutMs?: number;
};

const USAGE_STATUSES = new Set([400, 404, 405, 409, 413, 422]);

export class GaiaClient {
  constructor(readonly socket: string) {}

  /** Any HTTP answer, error statuses included; throws (exit 3) when the socket does not answer. */
  async send(method: string, path: string, options: SendOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] = "application/json";
    }
    const signal = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await fetch(`http://gaia${path}`, { unix: this.socket, method, headers, body, signal });
      return { status: response.status, headers: response.headers, body: parseBody(await response.text()) };
    } catch (err) {
      throw this.unreachable(err, options.timeoutMs);
    }
  }

  /** The body of a 2xx answer; any other status becomes the CliError described above. */
  async call<T>(method: string, path: string, options: SendOptions = {}): Promise<T> {
    const reply = await this.send(method, path, options);
    if (reply.status >= 400) throw apiError(reply);
    return reply.body as T;
  }

  /** A binary body (an array download), streamed; API errors become CliErrors as in `call`. */
  async download(path: string, accept: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`http://gaia${path}`, { unix: this.socket, headers: { accept } });
    } catch (err) {
      throw this.unreachable(err, undefined);
    }
    if (response.status >= 400) throw apiError({ status: response.status, headers: response.headers, body: parseBody(await response.text()) });
    return response;
  }

  /** Whether anything still answers on the socket; a slow answer counts as answering. */
  async answers(timeoutMs: number): Promise<boolean> {
    try {
      const response = await fetch("http://gaia/health", { unix: this.socket, signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      return true;
    } catch (err) {
      return isTimeout(err);
    }
  }

  private unreachable(err: unknown, timeoutMs: number | undefined): CliError {
    if (isTimeout(err)) {
      return new CliError(EXIT.unreachable, `gaia at ${this.socket} did not answer within ${(timeoutMs ?? 0) / 1000} s`);
    }
    const code = (err as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ECONNREFUSED") {
      return new CliError(EXIT.unreachable, `cannot reach gaia at ${this.socket} (is it running? start it with 'gaia start')`);
    }
    // EACCES, ENAMETOOLONG (a Unix socket path has at most 107 bytes), ECONNRESET...: the
    // "is it running?" hint would mislead, so say what the system said instead.
    const why = typeof code === "string" ? code : err instanceof Error ? err.message : String(err);
    return new CliError(EXIT.unreachable, `cannot reach gaia at ${this.socket}: ${why}`);
  }
}

/** An API error answer as a CliError: `CODE: MESSAGE`, with the exit code chosen above. */
export function apiError(reply: Reply): CliError {
  const exitCode = USAGE_STATUSES.has(reply.status)
    ? EXIT.usage
    : reply.status === 503
      ? EXIT.unreachable
      : EXIT.failed;
  const error = (reply.body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const detail =
    error && typeof error.code === "string"
      ? `${error.code}: ${String(error.message ?? "")}`
      : `HTTP ${reply.status}: ${truncate(typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body), 200)}`;
  const retryAfter = reply.headers.get("retry-after");
  return new CliError(exitCode, retryAfter ? `${detail} (retry after ${retryAfter} s)` : detail);
}

/** `path?k=v&...` with the undefined values left out. */
export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

/** An ID from the command line as one path segment, so `../` cannot reach another route. */
export function segment(id: string): string {
  return encodeURIComponent(id);
}

function parseBody(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text; // a plain-text answer (a proxy, a crash page) is still worth showing
  }
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === "TimeoutError" || name === "AbortError";
}
