/**
 * `gaia config check` with a `[cluster]` (SPEC §3, §13): the effective config and every
 * problem line show the cluster URL without its password, from the file or GAIA_CLUSTER_URL.
 * Runs gaia from source (src/main.ts), so it needs no build.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "gaia-config-cluster-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MAIN = join(import.meta.dir, "../src/main.ts");

async function check(toml: string, env: Record<string, string> = {}, command = ["config", "check", "gaia.toml"]): Promise<{ code: number; stdout: string; stderr: string }> {
  writeFileSync(join(dir, "gaia.toml"), toml);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GAIA_")));
  const proc = Bun.spawn([process.execPath, MAIN, ...command], { cwd: dir, env: { ...clean, ...env }, stdout: "pipe", stderr: "pipe", timeout: 90_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

test("the effective config shows the cluster URL with its password hidden, and the node named", async () => {
  const ran = await check('[cluster]\nurl = "postgres://gaia:hunter2@db:5432/gaia"\nnode = "n1"\nlease_s = 6\n');
  expect(ran.code).toBe(0);
  expect(JSON.parse(ran.stdout).config.cluster).toEqual({ url: "postgres://gaia:***@db:5432/gaia", node: "n1", lease_s: 6 });
  expect(ran.stdout + ran.stderr).not.toContain("hunter2");
  // `config check` does not connect: it says what the file means, whether or not the server is up.
  expect(ran.stderr).toBe("");
});

test("gaia start with a cluster URL no server answers is exit 2 with one redacted line, before anything starts", async () => {
  const ran = await check("", { GAIA_CLUSTER_URL: "postgres://gaia:s3cret@127.0.0.1:1/gaia", GAIA_RUN_DIR: join(dir, "run"), GAIA_DATA_DIR: join(dir, "data") }, ["start"]);
  expect({ code: ran.code, stderr: ran.stderr.trim().split("\n") }).toEqual({
    code: 2,
    stderr: ["cluster: cannot reach the cluster journal at postgres://gaia:***@127.0.0.1:1/gaia: connection refused (is PostgreSQL running there, and listening on that address and port?)"],
  });
  expect(ran.stdout + ran.stderr).not.toContain("s3cret");
  expect(existsSync(join(dir, "run"))).toBe(false);
});

test("GAIA_CLUSTER_URL wins over the file, shown redacted; a bad one is exit 2 with one redacted line", async () => {
  const ran = await check("", { GAIA_CLUSTER_URL: "postgres://gaia:s3cret@db/gaia" });
  expect(ran.code).toBe(0);
  expect(JSON.parse(ran.stdout).config.cluster.url).toBe("postgres://gaia:***@db/gaia");
  const bad = await check("", { GAIA_CLUSTER_URL: "mysql://gaia:s3cret@db/gaia" });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('config: GAIA_CLUSTER_URL: expected a postgres:// or postgresql:// URL such as postgres://user:password@host:5432/db (the cluster\'s journal is PostgreSQL), got "mysql://gaia:***@db/gaia"');
  expect(bad.stdout + bad.stderr).not.toContain("s3cret");
});
