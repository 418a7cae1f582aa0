import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GaiaClient } from "./client.ts";
import { CliError } from "./errors.ts";

async function failure(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error("expected a CliError");
}

describe("the control-socket client", () => {
  const dir = mkdtempSync(join(tmpdir(), "gaia-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a socket that does not exist is 'cannot reach gaia', exit 3", async () => {
    const socket = join(dir, "absent.sock");
    const err = await failure(new GaiaClient(socket).call("GET", "/v1/status"));
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe(`cannot reach gaia at ${socket} (is it running? start it with 'gaia start')`);
  });

  test("API errors become `CODE: MESSAGE` with the exit code of their status", async () => {
    const socket = join(dir, "api.sock");
    const statuses: Record<string, number> = { "/404": 404, "/409": 409, "/429": 429, "/503": 503 };
    const server = Bun.serve({
      unix: socket,
      fetch: (req) => {
        const status = statuses[new URL(req.url).pathname] ?? 500;
        return Response.json({ error: { code: `e${status}`, message: "why" } }, { status, headers: status === 429 ? { "retry-after": "3" } : {} });
      },
    });
    try {
      const client = new GaiaClient(socket);
      const codes = await Promise.all(["/404", "/409", "/429", "/503", "/500"].map(async (p) => (await failure(client.call("GET", p))).exitCode));
      expect(codes).toEqual([2, 2, 1, 3, 1]);
      expect((await failure(client.call("GET", "/429"))).message).toBe("e429: why (retry after 3 s)");
      expect(await client.answers(500)).toBe(true);
    } finally {
      server.stop(true);
    }
    expect(await new GaiaClient(socket).answers(500)).toBe(false);
  });
});
