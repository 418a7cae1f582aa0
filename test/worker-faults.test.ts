/**
 * Workers that die, hang or are cancelled: each is replaced, and its job's record says what
 * happened. Real processes, real signals.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { Gaia } from "./helpers/gaia.ts";

const tasksModule = resolve(import.meta.dir, "fixtures/tasks.ts");
let gaia: Gaia;

beforeAll(async () => {
  gaia = await Gaia.start({
    config: {
      pools: [{ name: "default", size: 2, modules: [tasksModule] }],
      tasks: { "test.spin": { retries: { max: 0 } } },
    },
  });
});
afterAll(async () => gaia?.stop());

async function readyWorker(id: string) {
  return gaia.until(`${id} ready`, async () => (await gaia.workers()).find((w) => w.id === id && w.state === "idle"));
}

describe("worker faults", () => {
  test("kill -9 of an idle worker: replaced, serving again, its exit recorded", async () => {
    const before = await readyWorker("default-0");
    process.kill(before.pid, "SIGKILL");
    const after = await gaia.until("a new default-0", async () => {
      const w = (await gaia.workers()).find((x) => x.id === "default-0");
      return w && w.pid !== before.pid && w.state === "idle" ? w : undefined;
    });
    expect(after.restarts).toBe(1);
    expect(after.last_exit).toMatchObject({ pid: before.pid, signal: "SIGKILL", reason: "crash" });
    const jobs = await gaia.request("POST", "/v1/jobs/batch", { jobs: Array.from({ length: 20 }, () => ({ task: "test.pid" })) });
    const pids = await Promise.all(jobs.body.ids.map((id: string) => gaia.request("GET", `/v1/jobs/${id}?wait=10`).then((r) => r.body.result)));
    expect(pids).toContain(after.pid);
  });

  test("kill -9 of a busy worker: its job is retried (worker_lost) and succeeds", async () => {
    const job = await gaia.request("POST", "/v1/jobs", { task: "sleep", payload: { ms: 1500 } });
    const running = await gaia.untilRunning(job.body.id);
    process.kill(running.worker.pid, "SIGKILL");
    const done = await gaia.request("GET", `/v1/jobs/${job.body.id}?wait=30`);
    expect(done.body).toMatchObject({ state: "succeeded", attempts: 2 });
    expect(done.body.worker.pid).not.toBe(running.worker.pid);
  });

  test("a worker lost with no retries left fails its job naming the signal", async () => {
    const job = await gaia.request("POST", "/v1/jobs", { task: "test.spin", payload: { ms: 3000 } });
    const running = await gaia.untilRunning(job.body.id);
    process.kill(running.worker.pid, "SIGKILL");
    const done = (await gaia.request("GET", `/v1/jobs/${job.body.id}?wait=30`)).body;
    expect(done.state).toBe("failed");
    expect(done.error.type).toBe("worker_lost");
    expect(done.error.message).toContain(`(pid ${running.worker.pid}) was killed by SIGKILL`);
  });

  test("a worker that exits by itself mid-job: worker_lost with its exit code", async () => {
    const done = (await gaia.request("POST", "/v1/jobs?wait=30", { task: "test.exit", payload: { code: 7 }, retries: { max: 0 } })).body;
    expect(done).toMatchObject({ state: "failed", error: { type: "worker_lost" } });
    expect(done.error.message).toContain("exited with code 7");
  });

  test("a job past its timeout is timed_out and its worker replaced", async () => {
    const done = (await gaia.request("POST", "/v1/jobs?wait=30", { task: "test.spin", payload: { ms: 10_000 }, timeout_s: 0.3 })).body;
    expect(done.state).toBe("timed_out");
    expect(done.error).toMatchObject({ type: "timeout" });
    expect(done.error.message).toContain("timeout of 0.3 s");
    await gaia.until("the worker replaced", async () => {
      const w = (await gaia.workers()).find((x) => x.id === done.worker.id);
      return w && w.pid !== done.worker.pid && w.state === "idle";
    });
    const killed = (await gaia.workers()).find((x) => x.id === done.worker.id);
    expect(killed.last_exit).toMatchObject({ signal: "SIGKILL", reason: "timeout" });
  });

  test("an endless loop is timed out; a task that allows it succeeds on its second attempt", async () => {
    const done = (await gaia.request("POST", "/v1/jobs?wait=30", { task: "test.hang_first", timeout_s: 0.5, retries: { max: 1, on: ["timeout"], backoff_s: 0 } })).body;
    expect(done).toMatchObject({ state: "succeeded", attempts: 2, result: "attempt 2" });
  });

  test("a timeout the task allows to retry runs again", async () => {
    const done = (await gaia.request("POST", "/v1/jobs?wait=30", { task: "test.spin", payload: { ms: 10_000 }, timeout_s: 0.3, retries: { max: 1, on: ["timeout"], backoff_s: 0 } })).body;
    expect(done).toMatchObject({ state: "timed_out", attempts: 2 });
  });

  test("cancelling a running job kills its worker; the job is cancelled", async () => {
    const job = await gaia.request("POST", "/v1/jobs", { task: "test.spin", payload: { ms: 10_000 } });
    const running = await gaia.untilRunning(job.body.id);
    const cancelled = await gaia.request("DELETE", `/v1/jobs/${job.body.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ state: "cancelled", error: { type: "cancelled" } });
    await gaia.until("the worker replaced", async () => {
      const w = (await gaia.workers()).find((x) => x.id === running.worker.id);
      return w && w.pid !== running.worker.pid && w.state === "idle";
    });
  });

  test("a planned restart through the API replaces the worker without counting a crash", async () => {
    const before = await readyWorker("default-1");
    expect((await gaia.request("POST", "/v1/workers/default-1/restart")).status).toBe(202);
    const after = await gaia.until("default-1 replaced", async () => {
      const w = (await gaia.workers()).find((x) => x.id === "default-1");
      return w && w.pid !== before.pid && w.state === "idle" ? w : undefined;
    });
    expect(after.last_exit.reason).toBe("restart");
    expect((await gaia.request("POST", "/v1/workers/nope/restart")).status).toBe(404);
  });

  test("a worker's printed lines are in its logs", async () => {
    const done = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "test.print", payload: { line: "hello from a task" } })).body;
    const logs = await gaia.request("GET", `/v1/workers/${done.worker.id}/logs?tail=50`);
    expect(logs.body.lines.map((l: { line: string }) => l.line)).toContain(`[job ${done.id}] hello from a task`);
    expect(gaia.output).toContain(`[${done.worker.id}] [job ${done.id}] hello from a task`);
  });
});
