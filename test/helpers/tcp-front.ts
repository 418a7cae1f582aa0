/**
 * A TCP front for gaia's Unix socket, for the clients' TCP tests until `control.listen` is
 * in the server: a real HTTP (or HTTPS) listener on 127.0.0.1 that asks for
 * `Authorization: Bearer TOKEN` as SPEC §7 says the listener will (401 in gaia's error shape
 * otherwise; /health and /ready open) and relays each request, streamed both ways, to the
 * real gaia. `cut()` drops every open connection, as a restart or a proxy would.
 */
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";

export type FrontOptions = { socket: string; token: string; tls?: { cert: string; key: string } };

export class TcpFront {
  private readonly sockets = new Set<Socket>();
  /** Requests relayed, by path without the query. */
  readonly requests = new Map<string, number>();

  private constructor(readonly server: http.Server, readonly url: string) {}

  static async open(options: FrontOptions): Promise<TcpFront> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => relay(options, req, res);
    const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const front = new TcpFront(server, `${options.tls ? "https" : "http"}://127.0.0.1:${port}`);
    server.on(options.tls ? "secureConnection" : "connection", (socket: Socket) => {
      front.sockets.add(socket);
      socket.on("close", () => front.sockets.delete(socket));
    });
    server.on("request", (req: http.IncomingMessage) => {
      const path = (req.url ?? "").split("?")[0]!;
      front.requests.set(path, (front.requests.get(path) ?? 0) + 1);
    });
    return front;
  }

  /** Drops every connection now (the clients see a reset or an early end). */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function relay(options: FrontOptions, req: http.IncomingMessage, res: http.ServerResponse): void {
  const open = req.url === "/health" || req.url === "/ready";
  if (!open && req.headers.authorization !== `Bearer ${options.token}`) {
    res.writeHead(401, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "unauthorized", message: "a request on TCP needs Authorization: Bearer <token>" } }));
    return;
  }
  const headers = { ...req.headers, host: "gaia" };
  delete headers.authorization;
  const upstream = http.request({ socketPath: options.socket, path: req.url, method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on("error", () => res.destroy());
  res.on("close", () => upstream.destroy());
  req.pipe(upstream);
}
