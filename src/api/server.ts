/**
 * Serving the control API: on gaia.sock (the socket the supervisor made for the whole run,
 * handed over as fd 3; mode 0600, so no token: whoever can open it is its owner), and on TCP
 * when `control.listen` is set, where every request but /health, /ready (and /metrics with
 * `metrics_public`) must carry the bearer token (auth.ts).
 */
import { readFileSync } from "node:fs";
import type { Hono } from "hono";
import { serveHttp, type HttpServer } from "../http/index.ts";
import type { IoBoot } from "../io/main.ts";

export type Transport = "unix" | "tcp";

export async function serveApi(app: Hono, boot: IoBoot, log: (line: string) => void): Promise<HttpServer[]> {
  const onError = (err: unknown) => log(`http: ${(err as Error)?.stack ?? err}`);
  const unix = boot.controlFd !== null ? { fd: boot.controlFd } : { unix: boot.controlSocket };
  const servers = [await serveHttp(unix, (req) => app.fetch(req, { transport: "unix" satisfies Transport }), { onError })];
  const { listen, tls } = boot.config.control;
  if (listen) {
    const { hostname, port } = splitAddress(listen);
    const secure = tls.cert ? { tls: { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } } : {};
    const tcp = await serveHttp({ hostname, port, ...secure }, (req) => app.fetch(req, { transport: "tcp" satisfies Transport }), { onError });
    log(`control API on ${tls.cert ? "https" : "http"}://${listen} (token in ${boot.tokenFile})`);
    servers.push(tcp);
  }
  return servers;
}

/** "127.0.0.1:8470", "[::1]:8470" → host and port. */
export function splitAddress(listen: string): { hostname: string; port: number } {
  const colon = listen.lastIndexOf(":");
  return { hostname: listen.slice(0, colon).replace(/^\[(.*)\]$/, "$1"), port: Number(listen.slice(colon + 1)) };
}
