/**
 * Config files through the real binary (SPEC §3): `gaia config check [FILE]` prints the
 * effective config or one `config: PATH: PROBLEM` line per problem with exit 2, and
 * `gaia start` refuses the same files the same way before starting anything.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY } from "./helpers/gaia.ts";

const root = mkdtempSync(join(tmpdir(), "gaia-config-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Ran = { code: number; stdout: string; stderr: string };

/** A fresh folder holding `files` (name → content). */
function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(root, "case-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

async function gaiaCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> {
  const base = { ...process.env, GAIA_SOCKET: undefined, GAIA_CONFIG: undefined, GAIA_RUN_DIR: undefined, GAIA_DATA_DIR: undefined };
  const proc = Bun.spawn([BINARY, ...args], { cwd, env: { ...base, ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

const lines = (text: string) => text.trim().split("\n");

const GOOD_TOML = `
[queue]
result_ttl_s = 60

[[pools]]
name = "default"
size = 2
`;

const BAD_TOML = `
colour = "blue"

[queue]
max_depth = -5

[shutdown]
grace_s = -1

[[pools]]
name = "default"
runtime = "ruby"

[[pools]]
name = "second"
size = "two"
`;

const BAD_LINES = [
  "config: colour: unknown key",
  "config: queue.max_depth: expected an integer >= 1, got -5",
  "config: shutdown.grace_s: expected a value >= 0, got -1",
  'config: pools[0].runtime: expected one of "bun", "python", got "ruby"',
  'config: pools[1].size: expected an integer >= 1, got "two"',
];

describe("gaia config check", () => {
  test("a good TOML file prints the effective config with every default filled in", async () => {
    const dir = folder({ "gaia.toml": GOOD_TOML });
    const ran = await gaiaCli(["config", "check", "gaia.toml"], dir);
    expect(ran.code).toBe(0);
    expect(ran.stderr).toBe("");
    const out = JSON.parse(ran.stdout);
    expect(out.file).toBe(join(dir, "gaia.toml"));
    expect(out.config.queue).toEqual({ max_depth: 100000, result_ttl_s: 60 });
    expect(out.config.shutdown).toEqual({ grace_s: 8 });
    expect(out.config.restart).toEqual({ intensity: 10, period_s: 60, backoff_max_ms: 10000 });
    expect(out.config.arrays).toEqual({ dir: "/dev/shm", max_bytes: "50%", ttl_s: 3600 });
    expect(out.config.control).toEqual({ socket: "gaia.sock", max_body_mb: 64, listen: "", token_file: "token", tls: { cert: "", key: "" }, metrics_public: false });
    expect(out.config.pools).toEqual([
      expect.objectContaining({ name: "default", runtime: "bun", size: 2, modules: [], max_jobs_per_worker: 0, memory_limit_mb: 0, env: {} }),
    ]);
    expect(out.config).toMatchObject({ tasks: {}, schedules: [] });
    expect(out.resolved).toEqual({
      run_dir: join(dir, ".gaia/run"),
      data_dir: join(dir, ".gaia/data"),
      control_socket: join(dir, ".gaia/run/gaia.sock"),
    });
  });

  test("a bad file prints one line per problem and exits 2", async () => {
    const dir = folder({ "bad.toml": BAD_TOML });
    const ran = await gaiaCli(["config", "check", "bad.toml"], dir);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe("");
    expect(lines(ran.stderr).sort()).toEqual([...BAD_LINES].sort());
  });

  test("a duplicate pool name is a problem", async () => {
    const dir = folder({ "dup.toml": '[[pools]]\nname = "a"\n\n[[pools]]\nname = "b"\n\n[[pools]]\nname = "a"\n' });
    const ran = await gaiaCli(["config", "check", "dup.toml"], dir);
    expect(ran.code).toBe(2);
    expect(lines(ran.stderr)).toEqual(['config: pools[2].name: duplicate pool name "a"']);
  });

  test("a TOML syntax error exits 2 with one config: line naming the file", async () => {
    const dir = folder({ "broken.toml": "[queue\nmax_depth = 5\n" });
    const ran = await gaiaCli(["config", "check", "broken.toml"], dir);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe("");
    expect(lines(ran.stderr)).toEqual([expect.stringMatching(/^config: /)]);
    expect(ran.stderr).toContain(join(dir, "broken.toml"));
  });

  test("a JSON config works too, and a broken one is refused the same way", async () => {
    const dir = folder({
      "gaia.json": JSON.stringify({ queue: { max_depth: 5 }, pools: [{ name: "json", size: 3 }] }),
      "broken.json": '{"queue": ',
      "bad.json": JSON.stringify({ pools: [{ name: "x", size: "two" }] }),
    });
    const ran = await gaiaCli(["config", "check", "gaia.json"], dir);
    expect(ran.code).toBe(0);
    const { config } = JSON.parse(ran.stdout);
    expect(config.queue).toEqual({ max_depth: 5, result_ttl_s: 86400 });
    expect(config.pools).toEqual([expect.objectContaining({ name: "json", size: 3, runtime: "bun" })]);
    const broken = await gaiaCli(["config", "check", "broken.json"], dir);
    expect(broken.code).toBe(2);
    expect(lines(broken.stderr)).toEqual([expect.stringMatching(/^config: .*broken\.json: /)]);
    const bad = await gaiaCli(["config", "check", "bad.json"], dir);
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 2, stderr: 'config: pools[0].size: expected an integer >= 1, got "two"\n' });
  });

  test("a file that does not exist exits 2 and says so", async () => {
    const ran = await gaiaCli(["config", "check", "nowhere.toml"], folder());
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/^config: .*nowhere\.toml: no such file\n$/);
  });

  test("GAIA_CONFIG is read when no FILE is given; else ./gaia.toml; else the built-in defaults", async () => {
    const dir = folder({ "conf/elsewhere.toml": GOOD_TOML, "conf/bad.toml": BAD_TOML, "gaia.toml": '[[pools]]\nname = "local"\n' });
    const fromEnv = await gaiaCli(["config", "check"], dir, { GAIA_CONFIG: join(dir, "conf/elsewhere.toml") });
    expect(fromEnv.code).toBe(0);
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ file: join(dir, "conf/elsewhere.toml"), config: { queue: { result_ttl_s: 60 } } });
    const badEnv = await gaiaCli(["config", "check"], dir, { GAIA_CONFIG: "conf/bad.toml" });
    expect(badEnv.code).toBe(2);
    expect(lines(badEnv.stderr).sort()).toEqual([...BAD_LINES].sort());
    const local = await gaiaCli(["config", "check"], dir);
    expect(JSON.parse(local.stdout)).toMatchObject({ file: join(dir, "gaia.toml"), config: { pools: [{ name: "local" }] } });
    const none = await gaiaCli(["config", "check"], folder());
    expect(none.code).toBe(0);
    expect(JSON.parse(none.stdout)).toMatchObject({ file: null, config: { pools: [{ name: "default", runtime: "bun", size: availableParallelism() }] } });
  });

  test("a relative run_dir and data_dir resolve against the config file's folder", async () => {
    const dir = folder({ "etc/gaia.toml": 'run_dir = "run"\ndata_dir = "../data"\n[control]\nsocket = "ctl.sock"\n' });
    const ran = await gaiaCli(["config", "check", join(dir, "etc/gaia.toml")], folder());
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout).resolved).toEqual({
      run_dir: join(dir, "etc/run"),
      data_dir: join(dir, "data"),
      control_socket: join(dir, "etc/run/ctl.sock"),
    });
    const absolute = folder({ "gaia.toml": `run_dir = "${join(root, "abs-run")}"\n` });
    const abs = await gaiaCli(["config", "check", "gaia.toml"], absolute);
    expect(JSON.parse(abs.stdout).resolved.run_dir).toBe(join(root, "abs-run"));
  });

  // Regression: SPEC §2: for Bun pools an address_space_mb below 4096 is a config error that says why.
  test("a Bun pool with address_space_mb below 4096 is refused, saying why", async () => {
    const dir = folder({ "gaia.toml": '[[pools]]\nname = "default"\nsize = 1\naddress_space_mb = 2048\n' });
    const ran = await gaiaCli(["config", "check", "gaia.toml"], dir);
    expect(ran.code).toBe(2);
    expect(lines(ran.stderr)).toEqual([expect.stringMatching(/^config: pools\[0\]\.address_space_mb: .*JIT/)]);
  });

  // Regression: config check ignores flags and arguments it does not know (every client command
  // refuses them as usage errors, exit 2).
  test("an unknown flag or an extra argument is a usage error", async () => {
    const dir = folder({ "gaia.toml": GOOD_TOML });
    expect((await gaiaCli(["config", "check", "gaia.toml", "--strcit"], dir)).code).toBe(2);
    expect((await gaiaCli(["config", "check", "gaia.toml", "other.toml"], dir)).code).toBe(2);
  });
});

describe("gaia start with a bad config", () => {
  test("exits 2 with the same lines as config check and starts nothing", async () => {
    const dir = folder({ "bad.toml": `run_dir = "run"\ndata_dir = "data"\n${BAD_TOML}` });
    const ran = await gaiaCli(["start", "--config", "bad.toml"], dir);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe("");
    expect(lines(ran.stderr).sort()).toEqual([...BAD_LINES].sort());
    expect(existsSync(join(dir, "run/gaia.sock"))).toBe(false);
    expect(readdirSync(dir)).toEqual(["bad.toml"]);
  });

  test("a syntax error is refused the same way, through GAIA_CONFIG too", async () => {
    const dir = folder({ "broken.toml": "[queue\n" });
    const ran = await gaiaCli(["start"], dir, { GAIA_CONFIG: "broken.toml" });
    expect(ran.code).toBe(2);
    expect(lines(ran.stderr)).toEqual([expect.stringMatching(/^config: .*broken\.toml: /)]);
    expect(readdirSync(dir)).toEqual(["broken.toml"]);
  });
});
