/**
 * The `gaia` command line against a real gaia (SPEC §8): each command run as its own process,
 * checked by what it prints and by its exit code (0 ok, 1 the job failed, 2 usage or a
 * refused request, 3 gaia cannot be reached).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { BINARY, Gaia } from "./helpers/gaia.ts";

const tasksModule = resolve(import.meta.dir, "fixtures/tasks.ts");
/** A folder with no gaia.toml, so no command picks up a config by accident. */
const scratch = mkdtempSync(join(tmpdir(), "gaia-cli-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Ran = { code: number; stdout: string; stderr: string };

/** Runs `gaia ARGS` as a real process; `socket` becomes $GAIA_SOCKET. */
async function gaiaCli(args: string[], socket?: string): Promise<Ran> {
  const env = { ...process.env, GAIA_SOCKET: socket, GAIA_CONFIG: undefined, GAIA_RUN_DIR: undefined, GAIA_DATA_DIR: undefined };
  const proc = Bun.spawn([BINARY, ...args], { cwd: scratch, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

describe("without a running gaia", () => {
  test("no arguments prints the usage and exits 2; --help exits 0", async () => {
    const bare = await gaiaCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("usage: gaia COMMAND");
    const help = await gaiaCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: gaia COMMAND");
    expect(help.stdout).toContain("Exit codes:");
  });

  test("version prints package.json's version and needs no gaia", async () => {
    const nowhere = join(scratch, "absent.sock");
    expect(await gaiaCli(["version"], nowhere)).toEqual({ code: 0, stdout: `gaia ${pkg.version}\n`, stderr: "" });
    const json = await gaiaCli(["version", "--json"], nowhere);
    expect(JSON.parse(json.stdout)).toEqual({ version: pkg.version });
  });

  test("every command against a socket that does not exist exits 3 and says gaia cannot be reached", async () => {
    const socket = join(scratch, "no-such-dir/gaia.sock");
    const commands = [["status"], ["status", "--json"], ["workers"], ["logs"], ["logs", "default-0", "-f"], ["submit", "echo"],
      ["submit", "echo", "--wait"], ["job", "x"], ["job", "x", "--logs"], ["jobs"], ["cancel", "x"], ["stop"], ["events"], ["restart", "default-0"]];
    for (const command of commands) {
      for (const [args, env] of [[[...command, "--socket", socket], undefined], [command, socket]] as const) {
        const ran = await gaiaCli([...args], env);
        expect({ args, code: ran.code }).toEqual({ args, code: 3 });
        expect(ran.stderr).toContain(`cannot reach gaia at ${socket}`);
        expect(ran.stdout).toBe("");
      }
    }
  });
});

describe("against a running gaia", () => {
  let gaia: Gaia;
  const cli = (...args: string[]) => gaiaCli(args, gaia.socket);
  /** Submits with --wait --json and gives the finished job. */
  const runJob = async (task: string, payload: unknown) => JSON.parse((await cli("submit", task, "--payload", JSON.stringify(payload), "--wait", "--json")).stdout);

  beforeAll(async () => {
    gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 2, modules: [tasksModule] }] } });
  });
  afterAll(async () => gaia?.stop());

  test("status shows pool default as a table; --json has the run id", async () => {
    const table = await cli("status");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^default\s+bun\s+2\/2\s+ok\s/m);
    const json = await cli("status", "--json");
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body.run_id).toEqual(expect.any(String));
    expect(table.stdout).toContain(body.run_id);
    expect(body.pools.map((p: { name: string }) => p.name)).toEqual(["default"]);
  });

  test("workers lists default-0 and default-1 with their pids", async () => {
    const ran = await cli("workers");
    expect(ran.code).toBe(0);
    for (const w of await gaia.workers()) expect(ran.stdout).toMatch(new RegExp(`^${w.id}\\s+default\\s+\\S+\\s+${w.pid}\\s`, "m"));
    const ids = JSON.parse((await cli("workers", "--json")).stdout).workers.map((w: { id: string }) => w.id);
    expect(ids.sort()).toEqual(["default-0", "default-1"]);
  });

  test("submit --wait prints the result and exits 0; --json prints the whole job", async () => {
    const ran = await cli("submit", "echo", "--payload", '{"a":1}', "--wait");
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ a: 1 });
    const json = await cli("submit", "echo", "--payload", '{"a":1}', "--wait", "--json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: expect.any(String), task: "echo", state: "succeeded", payload: { a: 1 }, result: { a: 1 }, attempts: 1 });
  });

  test("submit without --wait prints the new job's id", async () => {
    const ran = await cli("submit", "echo", "--payload", "1");
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect((await gaia.request("GET", `/v1/jobs/${ran.stdout.trim()}?wait=10`)).body).toMatchObject({ state: "succeeded", result: 1 });
  });

  test("submit --wait of a failing task exits 1 and names the error type", async () => {
    const ran = await cli("submit", "test.fail", "--payload", '{"x":7}', "--wait");
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe("");
    expect(ran.stderr).toMatch(/^gaia: job \S+ failed: RangeError: bad value 7$/m);
  });

  test("submit of a task no pool serves exits 2 with unknown_task", async () => {
    for (const args of [["nope"], ["nope", "--wait"]]) {
      const ran = await cli("submit", ...args);
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain("unknown_task");
    }
  });

  test("--payload @FILE reads the payload from a file", async () => {
    const file = join(gaia.dir, "cli-payload.json");
    writeFileSync(file, '{"from": "file", "n": [1, 2]}');
    const ran = await cli("submit", "echo", "--payload", `@${file}`, "--wait");
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ from: "file", n: [1, 2] });
  });

  test("a bad --payload exits 2 and submits nothing", async () => {
    const before = (await gaia.request("GET", "/v1/jobs?limit=1000")).body.jobs.length;
    for (const payload of ["{bad", "hello", `@${join(gaia.dir, "missing.json")}`, "@"]) {
      const ran = await cli("submit", "echo", "--payload", payload);
      expect({ payload, code: ran.code }).toEqual({ payload, code: 2 });
      expect(ran.stderr).toStartWith("gaia: --payload");
    }
    expect((await gaia.request("GET", "/v1/jobs?limit=1000")).body.jobs.length).toBe(before);
  });

  test("job ID shows one job; an unknown id exits 2", async () => {
    const done = await runJob("echo", { z: 3 });
    const ran = await cli("job", done.id);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(new RegExp(`^id:\\s+${done.id}$`, "m"));
    expect(ran.stdout).toMatch(/^state:\s+succeeded$/m);
    expect(ran.stdout).toMatch(/^result:\s+\{"z":3\}$/m);
    expect(JSON.parse((await cli("job", done.id, "--json")).stdout)).toMatchObject({ id: done.id, result: { z: 3 } });
    const unknown = await cli("job", "01a20000-0000-7000-8000-000000000000");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("not_found");
  });

  test("jobs --state succeeded lists only succeeded jobs", async () => {
    const ok = await runJob("echo", { list: 1 });
    const failed = await runJob("test.fail", {});
    const ran = await cli("jobs", "--state", "succeeded", "--limit", "1000");
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain(ok.id);
    expect(ran.stdout).not.toContain(failed.id);
    const rows = ran.stdout.trim().split("\n").slice(1);
    for (const row of rows) expect(row.split(/\s+/)[2]).toBe("succeeded");
    const json = JSON.parse((await cli("jobs", "--state", "failed", "--json")).stdout);
    expect(json.jobs.map((j: { id: string }) => j.id)).toContain(failed.id);
    expect(json.jobs.every((j: { state: string }) => j.state === "failed")).toBe(true);
    expect((await cli("jobs", "--state", "bogus")).code).toBe(2);
  });

  test("cancel removes a queued job; cancelling a finished job exits 2", async () => {
    for (let i = 0; i < 2; i++) expect((await cli("submit", "sleep", "--payload", '{"ms":1500}')).code).toBe(0);
    const queued = (await cli("submit", "echo", "--payload", '"late"')).stdout.trim();
    const ran = await cli("cancel", queued);
    expect(ran).toEqual({ code: 0, stdout: `cancelled ${queued}\n`, stderr: "" });
    const job = JSON.parse((await cli("job", queued, "--json")).stdout);
    expect(job).toMatchObject({ state: "cancelled", started_at: null });
    const again = await cli("cancel", queued);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already");
    const finished = await runJob("echo", 1);
    const late = await cli("cancel", finished.id);
    expect(late.code).toBe(2);
    expect((await gaia.request("GET", `/v1/jobs/${finished.id}`)).body.state).toBe("succeeded");
  });

  test("logs WORKER shows a line the task printed", async () => {
    // Which idle worker takes a job is gaia's choice: print until default-0 has printed.
    let line = "";
    for (let i = 0; i < 40 && !line; i++) {
      const job = await runJob("test.print", { line: `cli-line-${i}` });
      if (job.worker.id === "default-0") line = `cli-line-${i}`;
    }
    expect(line).not.toBe("");
    const ran = await cli("logs", "default-0");
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(new RegExp(`^default-0 \\| \\[job [0-9a-f-]+\\] ${line}$`, "m"));
    const all = await cli("logs", "--tail", "1000");
    expect(all.stdout).toMatch(new RegExp(`^default-0\\s* \\| \\[job [0-9a-f-]+\\] ${line}$`, "m"));
    expect(all.stdout).toMatch(/^supervisor\s* \| /m);
    const unknown = await cli("logs", "default-9");
    expect(unknown.code).toBe(2);
  });
});

describe("gaia stop", () => {
  let gaia: Gaia;
  beforeAll(async () => {
    gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 1 }] } });
  });
  afterAll(async () => gaia?.stop());

  // Regression: GET /v1/workers/ID/logs answers 404 for a live worker that has printed nothing.
  test("logs of a live worker that printed nothing is empty, not an error", async () => {
    const ran = await gaiaCli(["logs", "default-0"], gaia.socket);
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
  });

  test("stop stops gaia: it prints 'gaia stopped', gaia exits 0, and is no longer reachable", async () => {
    const ran = await gaiaCli(["stop"], gaia.socket);
    expect(ran).toEqual({ code: 0, stdout: "gaia stopped\n", stderr: "" });
    expect(await gaia.proc.exited).toBe(0);
    expect((await gaiaCli(["status"], gaia.socket)).code).toBe(3);
  });
});
