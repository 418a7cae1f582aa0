/**
 * HTTP/1.1 to the control API with node:http and node:https, which Bun and Node both have:
 * `socketPath` for the Unix socket, a host and port for TCP (SPEC §7). Connections are kept
 * alive per client (an idle kept socket does not hold the process open: the agent unrefs it).
 *
 * `send` reads the whole answer; `open` hands back the response stream once the headers are
 * in (downloads, the events stream). A `timeoutMs` bounds the whole exchange for `send` and
 * the wait for the headers for `open`; without one a request may wait as long as it takes,
 * which long polls (`?wait=S`) need.
 */
import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import { describeEndpoint, type Endpoint } from "./endpoint.ts";
import { apiErrorFrom, timeoutError, unreachableFrom } from "./errors.ts";

export type Body = string | Uint8Array | Readable;

export type RequestOptions = {
  /** A JSON body; sets Content-Type. */
  json?: unknown;
  /** A raw body (an array's bytes, a .npy file); give its Content-Type in `headers`. */
  body?: Body;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
};

export type Answer = { status: number; headers: http.IncomingHttpHeaders; body: unknown };
export type Opened = { status: number; headers: http.IncomingHttpHeaders; stream: http.IncomingMessage };

export type TlsOptions = { ca?: string | Buffer; rejectUnauthorized?: boolean };

export class Transport {
  readonly where: string;
  private readonly agent: http.Agent;

  constructor(readonly endpoint: Endpoint, private readonly tls: TlsOptions = {}) {
    this.where = describeEndpoint(endpoint);
    const https_ = endpoint.kind === "tcp" && endpoint.url.protocol === "https:";
    this.agent = https_ ? new https.Agent({ keepAlive: true, ...tls }) : new http.Agent({ keepAlive: true });
  }

  /** Any answer, error statuses included, its body parsed as JSON when it is JSON. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    const timer = deadline(options);
    try {
      const opened = await this.exchange(method, path, options, timer.signal);
      const text = await readAll(opened.stream, this.where);
      return { status: opened.status, headers: opened.headers, body: parseBody(text, opened.headers) };
    } catch (err) {
      throw timer.timedOut() ? timeoutError(this.where, options.timeoutMs!) : err;
    } finally {
      timer.clear();
    }
  }

  /** The body of a 2xx answer; any other status throws its GaiaApiError. */
  async call<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const answer = await this.send(method, path, options);
    if (answer.status >= 400) throw apiErrorFrom(answer.status, answer.body, header(answer.headers, "retry-after"));
    return answer.body as T;
  }

  /** A 2xx answer as a stream; an error status throws its GaiaApiError (its body read first). */
  async open(method: string, path: string, options: RequestOptions = {}): Promise<Opened> {
    const timer = deadline(options);
    try {
      const opened = await this.exchange(method, path, options, timer.signal);
      if (opened.status < 400) return opened;
      const text = await readAll(opened.stream, this.where);
      throw apiErrorFrom(opened.status, parseBody(text, opened.headers), header(opened.headers, "retry-after"));
    } catch (err) {
      throw timer.timedOut() ? timeoutError(this.where, options.timeoutMs!) : err;
    } finally {
      timer.clear();
    }
  }

  /** Closes the kept connections; later requests open new ones. */
  close(): void {
    this.agent.destroy();
  }

  private exchange(method: string, path: string, options: RequestOptions, signal: AbortSignal | undefined): Promise<Opened> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] = "application/json";
    }
    if (typeof body === "string" || body instanceof Uint8Array) headers["content-length"] = String(Buffer.byteLength(body));
    const endpoint = this.endpoint;
    if (endpoint.kind === "tcp" && endpoint.token !== null) headers.authorization = `Bearer ${endpoint.token}`;
    const target: http.RequestOptions = endpoint.kind === "unix"
      ? { socketPath: endpoint.socket, path, headers: { host: "gaia", ...headers } }
      : { hostname: endpoint.url.hostname.replace(/^\[|\]$/g, ""), port: endpoint.url.port || undefined, path: joinPath(endpoint.url, path), headers };
    const module = endpoint.kind === "tcp" && endpoint.url.protocol === "https:" ? https : http;
    return new Promise<Opened>((resolve, reject) => {
      const request = module.request({ ...target, method, agent: this.agent, signal }, (response) => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers, stream: response });
      });
      request.on("error", (err) => reject(unreachableFrom(this.where, err, endpoint.kind === "unix")));
      if (body === undefined) request.end();
      else if (typeof body === "string" || body instanceof Uint8Array) request.end(body);
      else body.on("error", (err) => request.destroy(err)).pipe(request);
    });
  }
}

/** `name`'s value in a response's headers (node gives arrays for repeated ones). */
export function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `path?k=v&...` with the undefined values left out. */
export function withQuery(path: string, query: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

/** An id or name as one path segment, so `../` cannot reach another route. */
export function segment(id: string): string {
  return encodeURIComponent(id);
}

/** A URL with a path prefix (`https://host/gaia/`) keeps it before the route. */
function joinPath(url: URL, path: string): string {
  return `${url.pathname.replace(/\/$/, "")}${path}`;
}

function deadline(options: RequestOptions): { signal: AbortSignal | undefined; timedOut(): boolean; clear(): void } {
  if (options.timeoutMs === undefined) return { signal: options.signal, timedOut: () => false, clear() {} };
  const controller = new AbortController();
  let fired = false;
  const timer = setTimeout(() => ((fired = true), controller.abort()), options.timeoutMs);
  const onAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => fired,
    clear() {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    },
  };
}

function readAll(stream: http.IncomingMessage, where: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.on("error", (err) => reject(unreachableFrom(where, err, false)));
    stream.on("aborted", () => reject(unreachableFrom(where, Object.assign(new Error("the answer was cut short"), { code: "ECONNRESET" }), false)));
  });
}

function parseBody(text: string, headers: http.IncomingHttpHeaders): unknown {
  if (text === "") return null;
  const type = header(headers, "content-type") ?? "";
  if (!type.includes("json") && !/^\s*[[{"]/.test(text)) return text; // /metrics, a proxy's page
  try {
    return JSON.parse(text);
  } catch {
    return text; // a plain-text answer (a proxy, a crash page) is still worth showing
  }
}
