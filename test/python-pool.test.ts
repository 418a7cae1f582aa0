/**
 * Python pools end to end: a real interpreter (.venv, made by `npm test`) running
 * gaia_worker from the binary, beside a Bun pool in the same gaia.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { BINARY, Gaia } from "./helpers/gaia.ts";

const pyTasks = resolve(import.meta.dir, "fixtures/py_tasks.py");
const bunTasks = resolve(import.meta.dir, "fixtures/tasks.ts");
let gaia: Gaia;

beforeAll(async () => {
  gaia = await Gaia.start({
    config: {
      pools: [
        { name: "default", size: 1, modules: [bunTasks] },
        { name: "py", runtime: "python", python: VENV_PYTHON, size: 2, modules: [pyTasks] },
      ],
    },
  });
});
afterAll(async () => gaia?.stop());

describe("a Python pool beside a Bun pool", () => {
  test("tasks route to the pool that serves them; results, progress and big integers come back", async () => {
    const py = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "py.add", payload: { a: 2, b: 5_000_000_000 } })).body;
    expect(py).toMatchObject({ state: "succeeded", pool: "py", result: { sum: 5_000_000_002, attempt: 1 }, progress: { fraction: 0.5, message: "half way" } });
    expect(py.worker.id).toMatch(/^py-[01]$/);
    expect(py.usage).toMatchObject({ user_ms: expect.any(Number), max_rss_kb: expect.any(Number) });
    const bun = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "test.pid" })).body;
    expect(bun).toMatchObject({ state: "succeeded", pool: "default" });
  });

  test("an exception fails the job with type, message and traceback; the worker lives", async () => {
    const failed = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "py.fail", payload: 7 })).body;
    expect(failed).toMatchObject({ state: "failed", error: { type: "ValueError", message: "bad value 7" } });
    expect(failed.error.traceback).toContain("py_tasks.py");
    const worker = (await gaia.workers()).find((w) => w.id === failed.worker.id);
    expect(worker).toMatchObject({ pid: failed.worker.pid, restarts: 0 });
  });

  test("a batch spreads over both Python workers", async () => {
    const batch = await gaia.request("POST", "/v1/jobs/batch", { jobs: Array.from({ length: 200 }, () => ({ task: "py.pid" })) });
    const pids = new Set<number>();
    for (const id of batch.body.ids) pids.add((await gaia.request("GET", `/v1/jobs/${id}?wait=20`)).body.result);
    expect(pids.size).toBe(2);
  });

  test("kill -9 of a busy Python worker: the job is retried and succeeds on a replacement", async () => {
    const job = await gaia.request("POST", "/v1/jobs", { task: "py.sleep_then", payload: { ms: 1500, value: "late" } });
    const running = await gaia.untilRunning(job.body.id);
    process.kill(running.worker.pid, "SIGKILL");
    const done = (await gaia.request("GET", `/v1/jobs/${job.body.id}?wait=30`)).body;
    expect(done).toMatchObject({ state: "succeeded", result: "late", attempts: 2 });
  });

  test("a timeout kills the worker even when the task catches Exception", async () => {
    const done = (await gaia.request("POST", "/v1/jobs?wait=20", { task: "py.swallow", payload: { ms: 10_000 }, timeout_s: 0.5 })).body;
    expect(done).toMatchObject({ state: "timed_out", error: { type: "timeout" } });
  });

  test("a Python worker keeps its job through an IO engine restart and reports it once", async () => {
    const job = await gaia.request("POST", "/v1/jobs", { task: "py.sleep_then", payload: { ms: 1200, value: "kept" } });
    const running = await gaia.untilRunning(job.body.id);
    const ioPid = (await gaia.request("GET", "/v1/status")).body.io.pid;
    process.kill(ioPid, "SIGKILL");
    const done = (await gaia.until("the job to end", async () => {
      const reply = await gaia.request("GET", `/v1/jobs/${job.body.id}?wait=5`);
      return reply.status === 200 && reply.body.finished_at ? reply : undefined;
    }, 30_000)).body;
    expect(done).toMatchObject({ state: "succeeded", result: "kept", attempts: 1 });
    expect(done.worker.pid).toBe(running.worker.pid);
  });

  test("what a task prints reaches the worker's log", async () => {
    const done = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "py.print", payload: { line: "hello from python" } })).body;
    await gaia.until("the line in the log", async () => gaia.output.includes(`[${done.worker.id}] [job ${done.id}] hello from python`));
  });
});

describe("starting Python pools", () => {
  test("a module that fails to import: the pool's last_error carries the Python error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gaia-test-"));
    writeFileSync(join(dir, "broken.py"), "import no_such_module_here\n");
    const broken = await Gaia.start({ dir, waitReady: false, config: { pools: [{ name: "py", runtime: "python", python: VENV_PYTHON, size: 1, modules: [join(dir, "broken.py")] }] } });
    try {
      const pool = await broken.until("last_error", async () => {
        const p = (await broken.request("GET", "/v1/status")).body.pools[0];
        return p.last_error?.includes("no_such_module_here") ? p : undefined;
      });
      expect(pool.ready).toBe(0);
    } finally {
      await broken.stop();
    }
  });

  test("a missing interpreter or a missing cbor2 is a one-line error with exit code 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "gaia-test-"));
    // A bare virtual environment: an interpreter that certainly lacks cbor2.
    expect(Bun.spawnSync([VENV_PYTHON, "-m", "venv", "--without-pip", join(dir, "bare")]).success).toBe(true);
    const bare = join(dir, "bare/bin/python");
    try {
      for (const [python, expected] of [
        ["/no/such/python3", "cannot run '/no/such/python3': no such program"],
        [bare, `has no cbor2 package; install it with '${bare} -m pip install cbor2'`],
      ] as const) {
        writeFileSync(join(dir, "gaia.json"), JSON.stringify({ pools: [{ name: "py", runtime: "python", python, size: 1 }] }));
        const run = Bun.spawnSync([BINARY, "start", "--config", join(dir, "gaia.json")], { cwd: dir });
        expect(run.exitCode).toBe(2);
        const lines = run.stderr.toString().trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(`config: pools[0].python: `);
        expect(lines[0]).toContain(expected);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
