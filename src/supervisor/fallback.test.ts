/**
 * The supervisor's responder on a real listening socket: what it answers while the IO engine
 * is down, every answer closing its connection (so that a client's next request opens a new
 * one, for whoever serves then), and a stop that leaves the socket to the next server.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RawClient } from "../../test/helpers/raw-http.ts";
import { closeFd, createListenSocket } from "../http/index.ts";
import { Fallback } from "./fallback.ts";

const dir = mkdtempSync(join(tmpdir(), "gaia-fallback-"));
const socketPath = join(dir, "gaia.sock");
const fd = createListenSocket(socketPath);
afterAll(() => {
  closeFd(fd);
  rmSync(dir, { recursive: true, force: true });
});

test("while the IO engine is down: /health, /v1/status and 503 io_unavailable, each answer closing its connection", async () => {
  const fallback = new Fallback(fd, "run-1", () => {});
  fallback.start();
  try {
    for (const [route, status] of [["/health", 200], ["/v1/status", 200], ["/v1/jobs", 503]] as const) {
      const client = await RawClient.connect({ unix: socketPath });
      client.send(`GET ${route} HTTP/1.1\r\nHost: gaia\r\n\r\n`); // keep-alive asked (HTTP/1.1's default)
      const [res] = await client.responses(1);
      expect({ route, status: res!.status, connection: res!.headers.connection }).toEqual({ route, status, connection: "close" });
      await client.waitClosed(2000);
      if (status === 503) expect({ retry: res!.headers["retry-after"], code: JSON.parse(res!.body).error.code }).toEqual({ retry: "1", code: "io_unavailable" });
    }
  } finally {
    await fallback.stop();
  }
});
