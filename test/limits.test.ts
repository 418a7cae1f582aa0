/**
 * Limits (SPEC §2, §3): the private-memory watchdog kills a worker over memory_limit_mb with
 * the figures in its job's error; a Python worker under address_space_mb gets MemoryError
 * and lives on; max_jobs_per_worker replaces a worker after its N-th job, as a planned
 * replacement, losing nothing; a limit without prlimit on PATH is refused at start.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { BINARY, Gaia } from "./helpers/gaia.ts";

let gaia: Gaia;
beforeAll(async () => {
  gaia = await Gaia.start({
    config: {
      pools: [
        { name: "default", size: 1, memory_limit_mb: 300, memory_check_ms: 50, modules: [resolve(import.meta.dir, "fixtures/tasks.ts")] },
        { name: "recycled", size: 1, max_jobs_per_worker: 3, modules: ["recycle_tasks.ts"] },
        { name: "py", runtime: "python", python: VENV_PYTHON, size: 1, address_space_mb: 1024, modules: [resolve(import.meta.dir, "fixtures/py_tasks.py")] },
      ],
      tasks: { "test.grow": { retries: { max: 0 } } },
    },
    files: { "recycle_tasks.ts": "export const tasks = { 'recycle.pid': () => process.pid };\n" },
  });
});
afterAll(async () => gaia?.stop());

describe("limits", () => {
  test("a Bun task growing past memory_limit_mb is killed with the figures in its error", async () => {
    const done = (await gaia.request("POST", "/v1/jobs?wait=30", { task: "test.grow", payload: { mb: 600, hold_ms: 5000 } })).body;
    expect(done).toMatchObject({ state: "failed", error: { type: "memory_limit_exceeded" } });
    expect(done.error.message).toMatch(/^rss \d+ MiB > limit 300 MiB; worker default-0 \(pid \d+\) was killed$/);
    const replaced = await gaia.until("a new default-0", async () => {
      const w = (await gaia.workers()).find((x) => x.id === "default-0");
      return w && w.pid !== done.worker.pid && w.state === "idle" ? w : undefined;
    });
    expect(replaced.last_exit).toMatchObject({ reason: "memory", signal: "SIGKILL" });
    expect((await gaia.request("POST", "/v1/jobs?wait=10", { task: "test.grow", payload: { mb: 10, hold_ms: 1 } })).body.state).toBe("succeeded");
  });

  test("a Python task allocating past address_space_mb gets MemoryError; the same worker serves on", async () => {
    const failed = (await gaia.request("POST", "/v1/jobs?wait=20", { task: "py.alloc", payload: { mb: 2048 } })).body;
    expect(failed).toMatchObject({ state: "failed", error: { type: "MemoryError" } });
    const next = (await gaia.request("POST", "/v1/jobs?wait=20", { task: "py.alloc", payload: { mb: 16 } })).body;
    expect(next).toMatchObject({ state: "succeeded", result: 16 * 1024 * 1024 });
    expect(next.worker.pid).toBe(failed.worker.pid);
  });

  test("max_jobs_per_worker replaces the worker after its N-th job; nothing is lost or counted as a crash", async () => {
    const pids: number[] = [];
    for (let i = 0; i < 7; i++) pids.push((await gaia.request("POST", "/v1/jobs?wait=20", { task: "recycle.pid" })).body.result);
    expect(pids.slice(0, 3).every((p) => p === pids[0])).toBe(true);
    expect(pids.slice(3, 6).every((p) => p === pids[3])).toBe(true);
    expect(new Set([pids[0], pids[3], pids[6]]).size).toBe(3);
    const batch = await gaia.request("POST", "/v1/jobs/batch", { jobs: Array.from({ length: 20 }, () => ({ task: "recycle.pid" })) });
    const perPid = new Map<number, number>();
    for (const id of batch.body.ids) {
      const job = (await gaia.request("GET", `/v1/jobs/${id}?wait=30`)).body;
      expect(job).toMatchObject({ state: "succeeded", attempts: 1 });
      perPid.set(job.result, (perPid.get(job.result) ?? 0) + 1);
    }
    expect(Math.max(...perPid.values())).toBeLessThanOrEqual(3);
    const worker = (await gaia.workers()).find((w) => w.id === "recycled-0");
    expect(worker.last_exit.reason).toBe("recycle");
    const pool = (await gaia.request("GET", "/v1/status")).body.pools.find((p: { name: string }) => p.name === "recycled");
    expect(pool.state).not.toBe("crashlooping");
  });
});

test("a memory limit without prlimit on PATH is refused at start, in one line", () => {
  const dir = mkdtempSync(join(tmpdir(), "gaia-test-"));
  try {
    writeFileSync(join(dir, "gaia.json"), JSON.stringify({ pools: [{ name: "default", size: 1, address_space_mb: 4096 }] }));
    const run = Bun.spawnSync([BINARY, "start", "--config", join(dir, "gaia.json")], { cwd: dir, env: { ...process.env, PATH: "/nonexistent" } });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.toString().trim()).toBe("config: pools[0].address_space_mb: needs the prlimit program (util-linux), which is not on PATH; install it or set address_space_mb = 0");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
