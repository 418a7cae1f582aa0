/**
 * What a parsed head means (RFC 9112 §6-9): how its body is framed, whether the connection
 * lives on after the answer, the URL the handler sees, and the refusals that need no
 * handler. Pure.
 *
 * - Body: `Transfer-Encoding: chunked`, else `Content-Length`, else none. Both at once, any
 *   other transfer coding, a transfer coding on HTTP/1.0, or a length that is not a
 *   non-negative integer is a 400 that closes the connection: the next message's start
 *   cannot be known.
 * - Keep-alive: HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `keep-alive`.
 * - Host: an absent or empty Host (HTTP/1.0 clients, hand-typed requests on the Unix socket)
 *   gets the synthetic `localhost`, so the request is routed by its path.
 * - Methods outside `METHODS` are 405 with `Allow`; methods are case-sensitive, so `get` is
 *   one of them. The request is read to its end and the connection serves on.
 */
import { badRequest, refuse, type Refusal } from "./errors.ts";
import type { RequestHead } from "./head.ts";

export const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] as const;
const ALLOW = METHODS.join(", ");
const ALLOWED = new Set<string>(METHODS);

export type Framing = { t: "none" } | { t: "length"; bytes: number } | { t: "chunked" };

export type Plan = {
  framing: Framing;
  keepAlive: boolean;
  /** The client waits for `100 Continue` before it sends the body. */
  expectContinue: boolean;
  websocket: boolean;
  url: string;
  /** An answer the layer gives without calling the handler (405, 417); the body is read and dropped. */
  answer: Refusal | null;
};

export const SYNTHETIC_HOST = "localhost";
const HOST = /^[A-Za-z0-9._\-:[\]]*$/;
const LENGTH = /^\d{1,15}$/;

export function planRequest(head: RequestHead, scheme: "http" | "https"): Plan | Refusal {
  const framing = bodyFraming(head);
  if ("status" in framing) return framing;
  const url = requestUrl(head, scheme);
  if (typeof url !== "string") return url;
  const keepAlive = head.version === "1.1" ? !hasToken(head.connection, "close") : hasToken(head.connection, "keep-alive");
  let answer: Refusal | null = null;
  let expectContinue = false;
  if (!ALLOWED.has(head.method)) {
    const hint = ALLOWED.has(head.method.toUpperCase()) ? " (methods are case-sensitive)" : "";
    answer = refuse(405, "method_not_allowed", `method '${head.method}' is not allowed${hint}; use one of ${ALLOW}`, false, { allow: ALLOW });
  } else if (head.expect !== null) {
    if (head.expect.toLowerCase() === "100-continue") expectContinue = head.version === "1.1" && framing.t !== "none";
    else answer = refuse(417, "expectation_failed", `Expect '${head.expect}' cannot be met; only 100-continue is understood`, false);
  }
  const websocket = head.upgrade !== null && hasToken(head.upgrade, "websocket") && hasToken(head.connection, "upgrade");
  return { framing, keepAlive, expectContinue, websocket, url, answer };
}

export function bodyFraming(head: RequestHead): Framing | Refusal {
  const te = head.transferEncoding;
  if (te !== null) {
    if (head.version === "1.0") return badRequest("Transfer-Encoding is not allowed in an HTTP/1.0 request");
    if (head.contentLength !== null) return badRequest("the request has both Content-Length and Transfer-Encoding");
    if (te.toLowerCase() !== "chunked") return badRequest(`Transfer-Encoding '${te}' is not supported; send the body chunked or with a Content-Length`);
    return { t: "chunked" };
  }
  if (head.contentLength === null) return { t: "none" };
  if (LENGTH.test(head.contentLength)) {
    const bytes = Number(head.contentLength);
    return bytes === 0 ? { t: "none" } : { t: "length", bytes };
  }
  // Repeats of one value ("5, 5") are one length (RFC 9110 §8.6); anything else is a 400.
  const values = head.contentLength.split(",").map((v) => v.trim());
  if (!values.every((v) => v === values[0]) || !LENGTH.test(values[0]!)) {
    return badRequest(`Content-Length '${head.contentLength}' is not a non-negative integer`);
  }
  const bytes = Number(values[0]);
  return bytes === 0 ? { t: "none" } : { t: "length", bytes };
}

function requestUrl(head: RequestHead, scheme: string): string | Refusal {
  let target = head.target;
  // Raw bytes above 0x7f arrive as latin1 characters; the URL holds them percent-encoded.
  if (/[\x80-\xff]/.test(target)) target = target.replace(/[\x80-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  if (target[0] !== "/" && target !== "*") return /^https?:\/\//i.test(target) ? target : `${scheme}://${target}/`;
  const host = head.host ?? "";
  if (!HOST.test(host)) return badRequest(`the Host header '${host.slice(0, 60)}' is not a host name`);
  return `${scheme}://${host === "" ? SYNTHETIC_HOST : host}${target === "*" ? "/*" : target}`;
}

/** Whether a comma-separated field such as Connection holds `token` (case-insensitive). */
export function hasToken(field: string | null, token: string): boolean {
  if (field === null) return false;
  if (field.length === token.length) return field.toLowerCase() === token;
  return field.split(",").some((part) => part.trim().toLowerCase() === token);
}
