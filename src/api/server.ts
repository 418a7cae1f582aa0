/**
 * Serving the control API on gaia.sock, created with mode 0600: whoever can open it can run
 * code through gaia, so only its owner may.
 */
import { chmodSync, rmSync } from "node:fs";
import type { Hono } from "hono";
import type { IoBoot } from "../io/main.ts";

export function serveApi(app: Hono, boot: IoBoot) {
  const socketPath = boot.controlSocket;
  rmSync(socketPath, { force: true });
  // The umask makes the socket 0600 from its first moment; the chmod below only confirms it.
  const umask = process.umask(0o177);
  // The cast: bun-types leaves idleTimeout out of the Unix-socket options, though Bun honours it.
  const options = {
    unix: socketPath,
    // No cap of Bun's own: the API's bodyLimit answers 413 in the {error} shape.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // Long polls (`?wait=S`) stay silent for up to S seconds, and Bun cuts a response idle for
    // 10 s; per-request `server.timeout(req, 0)` did not lift the cut in Bun 1.4.5.
    idleTimeout: 0,
    fetch: (req: Request) => app.fetch(req),
  };
  const server = Bun.serve(options as unknown as Parameters<typeof Bun.serve>[0]);
  process.umask(umask);
  chmodSync(socketPath, 0o600);
  return server;
}
