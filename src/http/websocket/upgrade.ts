/**
 * Answering a WebSocket upgrade (RFC 6455 §4.2) from inside a handler:
 *
 * ```ts
 * app.get("/v1/sessions/:id/stream", (c) =>
 *   upgradeWebSocket(c.req.raw, {
 *     open(ws) {},
 *     message(ws, data) { ws.send(data); },   // data: Uint8Array (binary) or string (text)
 *     close(ws, code, reason) {},
 *   }),
 * );
 * ```
 *
 * The Response it returns is a 101 that only `serveHttp` knows how to carry out: the server
 * recognises it, writes the handshake and hands the connection to the handlers. A request
 * that is not a valid upgrade gets a JSON 400 (426 for a version other than 13) instead.
 */
import { createHash } from "node:crypto";
import { errorResponse } from "../errors.ts";
import type { ServerWebSocket } from "./connection.ts";

export type WebSocketHandlers = {
  open?(ws: ServerWebSocket): void;
  /** A promise holds back the next message (and reading from the client) until it settles. */
  message(ws: ServerWebSocket, data: Uint8Array | string): void | Promise<void>;
  close?(ws: ServerWebSocket, code: number, reason: string): void;
  /** The socket took everything that was buffered: `send` may go on. */
  drain?(ws: ServerWebSocket): void;
};

export type WebSocketOptions = {
  /** A larger message (whole, after reassembly) closes the connection with 1009. */
  maxMessageBytes?: number;
  /** A subprotocol to agree to, when the client offers it. */
  protocol?: string;
};

export type Upgrade = { handlers: WebSocketHandlers; maxMessageBytes: number };

export const DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024;
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const upgrades = new WeakMap<Response, Upgrade>();

export function upgradeWebSocket(req: Request, handlers: WebSocketHandlers, options: WebSocketOptions = {}): Response {
  const h = req.headers;
  if (req.method !== "GET") return errorResponse(400, "bad_request", `a WebSocket upgrade must be a GET, not ${req.method}`);
  if (!/(^|,)\s*websocket\s*(,|$)/i.test(h.get("upgrade") ?? "") || !/(^|,)\s*upgrade\s*(,|$)/i.test(h.get("connection") ?? "")) {
    return errorResponse(400, "bad_request", "this route is a WebSocket: send 'Connection: Upgrade' and 'Upgrade: websocket'");
  }
  if (h.get("sec-websocket-version") !== "13") {
    return errorResponse(426, "bad_request", `WebSocket version '${h.get("sec-websocket-version") ?? ""}' is not supported; use 13`, { "sec-websocket-version": "13" });
  }
  const key = h.get("sec-websocket-key") ?? "";
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) return errorResponse(400, "bad_request", "Sec-WebSocket-Key must be 16 bytes in base64");
  const headers: Record<string, string> = {
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-accept": createHash("sha1").update(key + GUID).digest("base64"),
  };
  const offered = (h.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
  if (options.protocol && offered.includes(options.protocol)) headers["sec-websocket-protocol"] = options.protocol;
  const res = new Response(null, { status: 101, headers });
  upgrades.set(res, { handlers, maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE });
  return res;
}

/** The upgrade a Response stands for, if `upgradeWebSocket` made it. */
export const pendingUpgrade = (res: Response): Upgrade | undefined => upgrades.get(res);

export function upgradeHead(res: Response): string {
  let head = "HTTP/1.1 101 Switching Protocols\r\n";
  res.headers.forEach((value, name) => {
    head += `${name}: ${value}\r\n`;
  });
  return `${head}\r\n`;
}
