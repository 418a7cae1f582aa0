/**
 * `GET /v1/nodes` and `gaia nodes` on a gaia of one host (no cluster.url), against the real
 * binary: the route answers 404 not_clustered, saying how to make this gaia a node (on the
 * Unix socket, and on TCP only with the token, as every /v1 route); `gaia nodes` prints that
 * on one line and exits 2, as the CLI does for every refusal, with --json too; its --help
 * says what the table shows.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, Gaia } from "./helpers/gaia.ts";
import { freePort } from "./helpers/ports.ts";

let gaia: Gaia;
let base: string;

beforeAll(async () => {
  const port = freePort();
  gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 1 }], control: { listen: `127.0.0.1:${port}` } } });
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => gaia?.stop());

type Ran = { code: number; stdout: string; stderr: string };

async function gaiaCli(...args: string[]): Promise<Ran> {
  const env = { ...process.env, GAIA_SOCKET: gaia.socket, GAIA_URL: undefined, GAIA_TOKEN: undefined, GAIA_CONFIG: undefined };
  const proc = Bun.spawn([BINARY, ...args], { cwd: gaia.dir, env, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

const NOT_CLUSTERED = "this gaia is one host, not a node of a cluster: set cluster.url (or GAIA_CLUSTER_URL) to a PostgreSQL URL to make it one";

describe("a gaia of one host has no nodes", () => {
  test("GET /v1/nodes is 404 not_clustered, naming cluster.url", async () => {
    const reply = await gaia.request("GET", "/v1/nodes");
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: { code: "not_clustered", message: NOT_CLUSTERED } });
  });

  test("on TCP the route needs the token, as the other /v1 routes", async () => {
    const token = readFileSync(join(gaia.dir, ".gaia/run/token"), "utf8").trim();
    const without = await fetch(`${base}/v1/nodes`);
    expect([without.status, ((await without.json()) as any).error.code]).toEqual([401, "unauthorized"]);
    const withToken = await fetch(`${base}/v1/nodes`, { headers: { authorization: `Bearer ${token}` } });
    expect([withToken.status, ((await withToken.json()) as any).error.code]).toEqual([404, "not_clustered"]);
  });

  test("gaia nodes says so on one line and exits 2; --json the same (nothing on stdout)", async () => {
    for (const args of [["nodes"], ["nodes", "--json"]]) {
      const ran = await gaiaCli(...args);
      expect({ args, code: ran.code, stdout: ran.stdout, stderr: ran.stderr }).toEqual({ args, code: 2, stdout: "", stderr: `gaia: not_clustered: ${NOT_CLUSTERED}\n` });
    }
  });

  test("gaia nodes --help says what the table shows; gaia --help lists it", async () => {
    const help = await gaiaCli("nodes", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toStartWith("usage: gaia nodes\n");
    expect(help.stdout).toContain("NAME:WORKERS/RUNNING");
    expect((await gaiaCli("--help")).stdout).toMatch(/^ {2}nodes {2,}each node of the cluster/m);
  });
});
