/**
 * Serving the control API on the Unix socket, created with mode 0600: whoever can open it
 * can run code through gaia, so only its owner may.
 */
import { chmodSync, rmSync } from "node:fs";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { createApp } from "./app.ts";

export function startApi(sup: Supervisor, socketPath: string, maxBodyMb: number) {
  const maxBodyBytes = Math.round(maxBodyMb * 1024 * 1024);
  const app = createApp(sup, maxBodyBytes);
  rmSync(socketPath, { force: true });
  // The umask makes the socket 0600 from its first moment; the chmod below only confirms it.
  const umask = process.umask(0o177);
  // The cast: bun-types leaves idleTimeout out of the Unix-socket options, though Bun honours it.
  const options = {
    unix: socketPath,
    // No cap of Bun's own: the API's bodyLimit answers 413 in the {error} shape (from the
    // Content-Length, or while reading a chunked body); Bun's cap would answer a bare 413.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // Long polls (`?wait=S`) stay silent for up to S seconds, and Bun cuts a response idle for
    // 10 s. Per-request `server.timeout(req, 0)` did not lift the cut in Bun 1.4.5 (probed:
    // ECONNRESET at 10 s), so the idle timer is off for this owner-only local socket.
    idleTimeout: 0,
    fetch: (req: Request) => app.fetch(req),
  };
  const server = Bun.serve(options as unknown as Parameters<typeof Bun.serve>[0]);
  process.umask(umask);
  chmodSync(socketPath, 0o600);
  return server;
}
