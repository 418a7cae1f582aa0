/**
 * Prefetch: under load a busy worker holds a few jobs it has not started. They must behave
 * exactly like queued jobs: cancellable without running, returned (attempt not counted) when
 * their worker dies, and run in order.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Gaia } from "./helpers/gaia.ts";

const tasksModule = resolve(import.meta.dir, "fixtures/tasks.ts");
let gaia: Gaia;
beforeAll(async () => {
  gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 1, modules: [tasksModule] }] } });
});
afterAll(async () => gaia?.stop());

const appendJobs = (path: string, lines: string[]) => ({ jobs: lines.map((line) => ({ task: "test.append", payload: { path, line } })) });

test("a job waiting on a busy worker can be cancelled and never runs", async () => {
  const trace = join(gaia.dir, "trace-cancel.txt");
  const blocker = await gaia.request("POST", "/v1/jobs", { task: "sleep", payload: { ms: 800 } });
  await gaia.untilRunning(blocker.body.id);
  const batch = await gaia.request("POST", "/v1/jobs/batch", appendJobs(trace, ["a", "b", "c", "d"]));
  const cancelled = await gaia.request("DELETE", `/v1/jobs/${batch.body.ids[1]}`);
  expect(cancelled.body).toMatchObject({ state: "cancelled" });
  for (const id of [batch.body.ids[0], batch.body.ids[2], batch.body.ids[3]]) {
    expect((await gaia.request("GET", `/v1/jobs/${id}?wait=20`)).body.state).toBe("succeeded");
  }
  expect(readFileSync(trace, "utf8")).toBe("a\nc\nd\n"); // in order, and "b" never ran
});

test("jobs waiting on a worker that dies run on its replacement, their attempt not counted", async () => {
  const trace = join(gaia.dir, "trace-kill.txt");
  const head = await gaia.request("POST", "/v1/jobs", { task: "test.spin", payload: { ms: 5000 }, retries: { max: 0 } });
  const running = await gaia.untilRunning(head.body.id);
  const batch = await gaia.request("POST", "/v1/jobs/batch", appendJobs(trace, ["1", "2", "3"]));
  expect(existsSync(trace)).toBe(false);
  process.kill(running.worker.pid, "SIGKILL");
  expect((await gaia.request("GET", `/v1/jobs/${head.body.id}?wait=20`)).body).toMatchObject({ state: "failed", error: { type: "worker_lost" } });
  for (const id of batch.body.ids) {
    const job = (await gaia.request("GET", `/v1/jobs/${id}?wait=20`)).body;
    expect(job).toMatchObject({ state: "succeeded", attempts: 1 });
    expect(job.worker.pid).not.toBe(running.worker.pid);
  }
  expect(readFileSync(trace, "utf8")).toBe("1\n2\n3\n");
});
