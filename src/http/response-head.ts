/**
 * A response's status line and header block. Pure. The layer owns the message's framing:
 * `Content-Length`, `Transfer-Encoding` and `Connection` from a handler's Response are
 * replaced by what is really sent (a handler's Content-Length is read before this, as the
 * size it promises).
 */

export type BodySize =
  /** No body and no length field: 1xx, 204, 304, or a HEAD whose size is unknown. */
  | { t: "none" }
  | { t: "length"; bytes: number }
  /** A stream on HTTP/1.1. */
  | { t: "chunked" }
  /** A stream on HTTP/1.0: the end of the connection ends the body. */
  | { t: "close" };

export type Persistence = { keepAlive: boolean; version: "1.0" | "1.1" };

const FRAMING = new Set(["content-length", "transfer-encoding", "connection", "keep-alive"]);

export function responseHead(status: number, reason: string, headers: Headers, size: BodySize, conn: Persistence, date: string): string {
  let head = `HTTP/1.1 ${status} ${reason || REASONS[status] || "Unknown"}\r\n`;
  let dated = false;
  headers.forEach((value, name) => {
    if (FRAMING.has(name)) return;
    if (name === "date") dated = true;
    head += `${name}: ${value}\r\n`;
  });
  if (!dated) head += `date: ${date}\r\n`;
  if (size.t === "length") head += `content-length: ${size.bytes}\r\n`;
  else if (size.t === "chunked") head += "transfer-encoding: chunked\r\n";
  if (!conn.keepAlive || size.t === "close") head += conn.version === "1.1" ? "connection: close\r\n" : "";
  else if (conn.version === "1.0") head += "connection: keep-alive\r\n";
  return `${head}\r\n`;
}

/** The head of an answer the layer makes itself, with a JSON body of `bytes` bytes. */
export function errorHead(status: number, bytes: number, keepAlive: boolean, extra: Record<string, string> | undefined, date: string): string {
  let head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\ncontent-type: application/json\r\ncontent-length: ${bytes}\r\ndate: ${date}\r\n`;
  for (const [name, value] of Object.entries(extra ?? {})) head += `${name}: ${value}\r\n`;
  return `${head}${keepAlive ? "" : "connection: close\r\n"}\r\n`;
}

/** `Date` in IMF-fixdate, made at most once a second (it changes no more often). */
let dateSecond = -1;
let dateText = "";
export function httpDate(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/** Status codes with no body, whatever the handler's Response holds (RFC 9110 §6.4.1). */
export const bodiless = (status: number) => status < 200 || status === 204 || status === 304;

export const REASONS: Record<number, string> = {
  100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
  206: "Partial Content", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
  307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
  404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict", 410: "Gone",
  411: "Length Required", 413: "Content Too Large", 415: "Unsupported Media Type", 416: "Range Not Satisfiable",
  417: "Expectation Failed", 422: "Unprocessable Content", 426: "Upgrade Required", 429: "Too Many Requests",
  431: "Request Header Fields Too Large", 500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
  503: "Service Unavailable", 504: "Gateway Timeout", 507: "Insufficient Storage",
};
