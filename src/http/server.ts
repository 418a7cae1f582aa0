/**
 * gaia's HTTP/1.1 server: `serveHttp(listen, handler, options)`, where `handler` takes a web
 * Request and answers a web Response, so a Hono app plugs in as `(req) => app.fetch(req)`.
 *
 * Sockets come from node:net (node:tls for HTTPS), the one socket API in Bun 1.4.5 that
 * serves a listening fd this process did not create (see listen-socket.ts); the HTTP itself
 * is this folder's, so that what Bun's own parser does not do is done: a JSON 400 for what is
 * not HTTP, a 405 for unknown methods, HTTP/1.0 without Host routed by path.
 *
 * - `{ fd }`: serve a listening socket that is already bound (inherited, or a dup).
 *   `stop()` closes that fd and never unlinks anything.
 * - `{ unix: path }`: create the socket (mode 0600 from its first moment); a socket file left
 *   at the path by a server that is gone is replaced, a live one is refused. `stop()` closes
 *   it and removes the path.
 * - `{ hostname, port, tls? }`: TCP, with TLS when a PEM certificate and key are given;
 *   port 0 picks a free port, read back from `port`.
 *
 * No idle cut: long polls of hours and event streams are normal here. The only timer is on a
 * request head that has begun to arrive (`headersTimeoutMs`, slowloris).
 */
import { lstatSync, rmSync } from "node:fs";
import net, { type Socket } from "node:net";
import tls from "node:tls";
import { Connection, type ConnectionConfig, type Handler } from "./connection.ts";
import { DEFAULT_HEAD_LIMITS } from "./head.ts";
import { createListenSocket } from "./listen-socket.ts";

export type { Handler, RequestInfo } from "./connection.ts";

export type Listen =
  | { fd: number }
  | { unix: string }
  | { hostname: string; port: number; tls?: { cert: string | Buffer; key: string | Buffer } };

export type ServeOptions = {
  /** The largest request head (request line and headers) read; beyond: 431, then close. Default 64 KiB. */
  maxHeaderBytes?: number;
  /** The most header fields read. Default 200. */
  maxHeaderCount?: number;
  /** Time for a request's head to arrive whole once its first byte has; 0: no bound. Default 30 s. */
  headersTimeoutMs?: number;
  /** A handler's throw or a response body that failed (each already answered or cut). Default: console.error. */
  onError?: (err: unknown) => void;
};

export type HttpServer = {
  /** The TCP port (the one picked for port 0); undefined on a Unix socket. */
  readonly port: number | undefined;
  /** Connections open now. */
  readonly connections: number;
  /**
   * Stops accepting (the listening fd is closed when this returns). With `closeIdle`, idle
   * connections are closed now, busy ones after their answer, and WebSockets get close code
   * 1001; without, open connections serve on until their clients close them.
   */
  stop(closeIdle?: boolean): Promise<void>;
  /** Cuts every connection now (requests in flight see their signal abort). */
  closeAll(): void;
};

export async function serveHttp(listen: Listen, handler: Handler, options: ServeOptions = {}): Promise<HttpServer> {
  const open = new Set<Connection>();
  const secure = "hostname" in listen && listen.tls !== undefined;
  const config: ConnectionConfig = {
    handler,
    limits: {
      maxHeaderBytes: options.maxHeaderBytes ?? DEFAULT_HEAD_LIMITS.maxHeaderBytes,
      maxHeaderCount: options.maxHeaderCount ?? DEFAULT_HEAD_LIMITS.maxHeaderCount,
    },
    headersTimeoutMs: options.headersTimeoutMs ?? 30_000,
    scheme: secure ? "https" : "http",
    report: options.onError ?? ((err) => console.error(`http: ${(err as Error)?.stack ?? err}`)),
    closed: (conn) => open.delete(conn),
  };
  const accept = (socket: Socket) => {
    if ("hostname" in listen) socket.setNoDelay(true);
    open.add(new Connection(socket, config));
  };
  const server =
    "hostname" in listen && listen.tls
      ? tls.createServer({ cert: listen.tls.cert, key: listen.tls.key, allowHalfOpen: true }, accept)
      : net.createServer({ allowHalfOpen: true }, accept);
  let owned: string | null = null;
  if ("fd" in listen) await listenOn(server, { fd: listen.fd });
  else if ("unix" in listen) {
    await removeStaleSocket(listen.unix);
    const fd = createListenSocket(listen.unix);
    owned = listen.unix;
    await listenOn(server, { fd });
  } else await listenOn(server, { host: listen.hostname, port: listen.port });
  server.on("error", config.report); // after listening: a failed accept (EMFILE, say)
  const address = server.address();
  let stopped: Promise<void> | null = null;
  return {
    port: address !== null && typeof address === "object" ? address.port : undefined,
    get connections() {
      return open.size;
    },
    stop(closeIdle = false) {
      stopped ??= (async () => {
        server.close();
        if (owned !== null) rmSync(owned, { force: true });
        // Let the close of the listening handle run before answering (measured: its fd is gone by then).
        await new Promise((resolve) => setImmediate(resolve));
      })();
      if (closeIdle) for (const conn of open) conn.shutdown();
      return stopped;
    },
    closeAll() {
      for (const conn of open) conn.destroy();
    },
  };
}

function listenOn(server: net.Server, where: net.ListenOptions | { fd: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(where, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** A socket file left by a server that is gone is removed; one that still answers is not taken over. */
async function removeStaleSocket(path: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket; not replacing it`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.connect(path);
    const done = (answer: boolean) => {
      probe.destroy();
      resolve(answer);
    };
    probe.once("connect", () => done(true));
    probe.once("error", () => done(false)); // ECONNREFUSED: nobody listens
    probe.setTimeout(1000, () => done(true));
  });
  if (live) throw new Error(`${path} is in use: a server listens on it`);
  rmSync(path);
}
