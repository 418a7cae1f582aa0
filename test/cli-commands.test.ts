/**
 * The CLI commands of issue 13 against a real gaia, each as its own process: "did you mean",
 * where gaia is (--config, --url with --token over TCP, their conflicts), restart of a worker
 * and of a pool, events (lines and --json, until Ctrl-C), jobs --schedule newest first, and
 * submit --wait --save-arrays.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { npyHeader } from "../src/arrays/npy.ts";
import { BINARY, Gaia } from "./helpers/gaia.ts";
import { TcpFront } from "./helpers/tcp-front.ts";

const tasksModule = resolve(import.meta.dir, "fixtures/tasks.ts");
const arrayTasks = resolve(import.meta.dir, "fixtures/array_tasks.ts");
const scratch = mkdtempSync(join(tmpdir(), "gaia-cli-commands-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Ran = { code: number; stdout: string; stderr: string };

async function gaiaCli(args: string[], env: Record<string, string | undefined> = {}): Promise<Ran> {
  const base = { ...process.env, GAIA_SOCKET: undefined, GAIA_URL: undefined, GAIA_TOKEN: undefined, GAIA_CONFIG: undefined, GAIA_RUN_DIR: undefined, GAIA_DATA_DIR: undefined };
  const proc = Bun.spawn([BINARY, ...args], { cwd: scratch, env: { ...base, ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 60_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

describe("mistakes, without a running gaia", () => {
  test("a mistyped command, flag or action gets a 'did you mean', exit 2", async () => {
    const cases: [string[], string][] = [
      [["stauts"], "gaia: unknown command 'stauts'; did you mean 'status'?"],
      [["submit", "echo", "--paylod", "1"], "gaia: unknown flag --paylod; did you mean --payload?"],
      [["schedule", "rnu", "x"], "gaia: unknown action 'rnu'; did you mean 'run'? (expected run, pause, resume)"],
      [["start", "--cofnig", "x.toml"], "gaia start: unknown flag --cofnig; did you mean --config?"],
    ];
    for (const [args, first] of cases) {
      const ran = await gaiaCli(args);
      expect({ args, code: ran.code, first: ran.stderr.split("\n")[0] }).toEqual({ args, code: 2, first });
    }
  });

  test("where gaia is: two places at once, or a token without a URL, is a usage error", async () => {
    const both = await gaiaCli(["status", "--socket", "a.sock", "--url", "http://127.0.0.1:1"]);
    expect([both.code, both.stderr.split("\n")[0]]).toEqual([2, "gaia: --url and --socket both say where gaia is; give one of them"]);
    const token = await gaiaCli(["status", "--token", "t"]);
    expect([token.code, token.stderr.split("\n")[0]]).toEqual([2, "gaia: --token goes with --url URL (or $GAIA_URL): a Unix socket needs no token"]);
    const closed = await gaiaCli(["status", "--url", "http://127.0.0.1:9", "--token", "t"]);
    expect(closed.code).toBe(3);
    expect(closed.stderr).toStartWith("gaia: cannot reach gaia at http://127.0.0.1:9");
  });

  test("bad --priority, --delay, and --save-arrays without --wait are refused before anything is sent", async () => {
    for (const [args, message] of [
      [["--priority", "high"], '--priority: expected an integer (higher runs first; default 0), got "high"'],
      [["--delay", "-1"], '--delay: expected a number of seconds >= 0, got "-1"'],
      [["--save-arrays", "out"], "--save-arrays needs --wait"],
    ] as const) {
      const ran = await gaiaCli(["submit", "echo", ...args, "--socket", join(scratch, "none.sock")]);
      expect({ args, code: ran.code }).toEqual({ args, code: 2 });
      expect(ran.stderr).toStartWith(`gaia: ${message}`);
    }
  });
});

describe("against a running gaia", () => {
  let gaia: Gaia;
  const cli = (...args: string[]) => gaiaCli(args, { GAIA_SOCKET: gaia.socket });

  beforeAll(async () => {
    gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 2, modules: [tasksModule, arrayTasks] }] } });
  });
  afterAll(async () => gaia?.stop());

  test("--config FILE finds the socket from that config's run_dir and control.socket", async () => {
    const ran = await gaiaCli(["status", "--json", "--config", join(gaia.dir, "gaia.json")]);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout).pools[0].name).toBe("default");
  });

  test("--url and --token reach it over TCP, as GAIA_URL and GAIA_TOKEN do; a wrong token exits 2 and says how to give one", async () => {
    const front = await TcpFront.open({ socket: gaia.socket, token: "s3cret" });
    try {
      const flags = await gaiaCli(["submit", "echo", "--payload", '"tcp"', "--wait", "--url", front.url, "--token", "s3cret"]);
      expect([flags.code, JSON.parse(flags.stdout)]).toEqual([0, "tcp"]);
      const env = await gaiaCli(["workers", "--json"], { GAIA_URL: front.url, GAIA_TOKEN: "s3cret" });
      expect(JSON.parse(env.stdout).workers.length).toBe(2);
      const wrong = await gaiaCli(["status", "--url", front.url, "--token", "nope"]);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toStartWith("gaia: unauthorized: a request on TCP needs Authorization: Bearer <token>; give the token with --token T or $GAIA_TOKEN");
    } finally {
      await front.close();
    }
  });

  test("restart WORKER replaces that worker; restart POOL every worker of it; an unknown name exits 2 with a suggestion", async () => {
    const pids = new Map((await gaia.workers()).map((w) => [w.id, w.pid]));
    const one = await cli("restart", "default-1");
    expect(one).toEqual({ code: 0, stdout: "restarting default-1\n", stderr: "" });
    await gaia.until("default-1 replaced", async () => (await gaia.workers()).find((w) => w.id === "default-1" && w.pid !== pids.get("default-1") && w.state === "idle"));
    const pool = await cli("restart", "default");
    expect(pool).toEqual({ code: 0, stdout: "restarting pool default, one worker at a time: default-0, default-1\n", stderr: "" });
    await gaia.until("default-0 replaced", async () => (await gaia.workers()).find((w) => w.id === "default-0" && w.pid !== pids.get("default-0") && w.state === "idle"));
    const unknown = await cli("restart", "defualt-1");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toStartWith("gaia: no pool or worker 'defualt-1'; did you mean 'default-1'? (pools: default; workers: default-0, default-1)");
    await gaia.waitReady();
  });

  test("events prints one line per event as it comes, --json one object per line, --job filters; Ctrl-C exits 0", async () => {
    const follow = (args: string[]) => {
      const proc = Bun.spawn([BINARY, "events", ...args], { cwd: scratch, env: { ...process.env, GAIA_SOCKET: gaia.socket }, stdout: "pipe", stderr: "pipe" });
      const state = { proc, out: "" };
      void (async () => {
        for await (const chunk of proc.stdout) state.out += new TextDecoder().decode(chunk);
      })();
      return state;
    };
    const lines = follow([]);
    const json = follow(["--json"]);
    // Subscribed once a probe job's events reach both (the CLI prints nothing before an event).
    await gaia.until("both streams subscribed", async () => {
      const probe = (await gaia.request("POST", "/v1/jobs?wait=5", { task: "echo", payload: "probe" })).body.id;
      await Bun.sleep(100);
      return lines.out.includes(probe) && json.out.includes(probe);
    });
    // Long enough for the --job stream, opened after the submission, to see the job end.
    const { id } = (await gaia.request("POST", "/v1/jobs", { task: "test.steps", payload: { steps: 3, ms: 400 } })).body;
    const only = follow(["--job", id, "--json"]);
    await gaia.until("job.finished in the lines", async () => lines.out.includes(`job.finished  job_id=${id}`));
    await gaia.until("job.finished in the JSON", async () => json.out.includes(`"kind":"job.finished"`) && json.out.includes(id));
    await gaia.until("the --job stream sees the job end", async () => only.out.includes("job.finished"));
    expect(lines.out).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ  job\\.finished  job_id=${id} task=test\\.steps pool=default attempts=1 state=succeeded`, "m"));
    expect(lines.out).toContain(`job.progress  job_id=${id} task=test.steps pool=default fraction=0.3333333333333333 message="step 1 of 3"`);
    const objects = json.out.trim().split("\n").map((l) => JSON.parse(l));
    expect(objects.find((e) => e.kind === "job.finished" && e.data.job_id === id)).toMatchObject({ id: expect.any(Number), at: expect.any(String), data: { state: "succeeded" } });
    const filtered = only.out.trim().split("\n").map((l) => JSON.parse(l));
    expect(filtered.every((e) => e.data.job_id === id)).toBe(true);
    expect(filtered.map((e) => e.kind)).toContain("job.progress");
    for (const f of [lines, json, only]) {
      f.proc.kill("SIGINT");
      expect(await f.proc.exited).toBe(0);
    }
  });

  test("jobs --schedule NAME lists that schedule's jobs, newest first", async () => {
    expect((await gaia.request("PUT", "/v1/schedules/tick", { every_s: 3600, task: "echo" })).status).toBe(201);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await gaia.request("POST", "/v1/schedules/tick/run")).body.id);
      await gaia.request("GET", `/v1/jobs/${ids.at(-1)}?wait=10`);
    }
    await gaia.request("POST", "/v1/jobs?wait=5", { task: "echo", payload: "not scheduled" });
    const ran = await cli("jobs", "--schedule", "tick", "--json");
    expect(JSON.parse(ran.stdout).jobs.map((j: { id: string }) => j.id)).toEqual([...ids].reverse());
    const table = await cli("jobs", "--schedule", "tick");
    expect(table.stdout.trim().split("\n").slice(1).map((row) => row.split(/\s+/)[0])).toEqual([...ids].reverse());
  });

  test("submit --wait --save-arrays DIR writes the result arrays once the job succeeded", async () => {
    const input = join(scratch, "x.npy");
    const data = new Float32Array([1, 2, 3]);
    writeFileSync(input, Buffer.concat([npyHeader("float32", [3]), new Uint8Array(data.buffer)]));
    const out = join(scratch, "saved");
    const ran = await cli("submit", "arr.inc", "--array", `x=${input}`, "--wait", "--save-arrays", out);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain(`saved x → ${join(out, "x.npy")}`);
    expect(existsSync(join(out, "x.npy"))).toBe(true);
    const saved = readFileSync(join(out, "x.npy"));
    expect([...new Float32Array(saved.buffer.slice(saved.byteOffset + saved.length - 12, saved.byteOffset + saved.length))]).toEqual([2, 3, 4]);
  });

  test("job ID --logs prints the lines the job printed, per attempt", async () => {
    const { id } = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "test.print", payload: { line: "said by the job" } })).body;
    const ran = await cli("job", id, "--logs");
    expect(ran.stdout).toMatch(/^attempt 1\n.*said by the job$/m);
  });

  test("submit --priority N --delay S sends priority and delay_s", async () => {
    const ran = await cli("submit", "echo", "--priority", "7", "--delay", "1", "--wait", "--json");
    const job = JSON.parse(ran.stdout);
    expect(job).toMatchObject({ state: "succeeded", priority: 7 });
    expect(Date.parse(job.not_before) - Date.parse(job.created_at)).toBeGreaterThanOrEqual(999);
  });
});
