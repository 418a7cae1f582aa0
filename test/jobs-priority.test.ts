/**
 * Priorities and deferred jobs (SPEC §5): within a pool, higher priority runs first, then
 * oldest first; `delay_s` or `not_before` defers a job; a bad combination is a 400.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Gaia } from "./helpers/gaia.ts";

let gaia: Gaia;
beforeAll(async () => {
  gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 1, modules: [resolve(import.meta.dir, "fixtures/tasks.ts")] }] } });
});
afterAll(async () => gaia?.stop());

test("while one worker is busy, the queue drains by priority, then by age", async () => {
  const trace = join(gaia.dir, "order.txt");
  const blocker = (await gaia.request("POST", "/v1/jobs", { task: "test.slow_append", payload: { path: trace, line: "blocker", ms: 400 } })).body.id;
  await gaia.untilRunning(blocker);
  const order = [["low", -1], ["zero-a", 0], ["five-a", 5], ["ten", 10], ["five-b", 5], ["zero-b", 0]] as const;
  const ids: string[] = [];
  for (const [line, priority] of order) ids.push((await gaia.request("POST", "/v1/jobs", { task: "test.append", payload: { path: trace, line }, priority })).body.id);
  for (const id of ids) await gaia.request("GET", `/v1/jobs/${id}?wait=10`);
  expect(readFileSync(trace, "utf8").trim().split("\n")).toEqual(["blocker", "ten", "five-a", "five-b", "zero-a", "zero-b", "low"]);
  expect((await gaia.request("GET", `/v1/jobs/${ids[3]}`)).body.priority).toBe(10);
});

test("delay_s and not_before defer a job; a not_before in the past runs at once; both at once is a 400", async () => {
  const delayed = (await gaia.request("POST", "/v1/jobs", { task: "echo", payload: 1, delay_s: 0.6 })).body.id;
  const queued = (await gaia.request("GET", `/v1/jobs/${delayed}`)).body;
  expect(queued.state).toBe("queued");
  expect(Date.parse(queued.not_before) - Date.parse(queued.created_at)).toBeGreaterThanOrEqual(600);
  const done = (await gaia.request("GET", `/v1/jobs/${delayed}?wait=10`)).body;
  expect(done.state).toBe("succeeded");
  expect(Date.parse(done.started_at)).toBeGreaterThanOrEqual(Date.parse(queued.not_before));
  const at = new Date(Date.now() + 500).toISOString();
  const later = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: 2, not_before: at })).body;
  expect(Date.parse(later.started_at)).toBeGreaterThanOrEqual(Date.parse(at));
  const past = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: 3, not_before: "2020-01-01T00:00:00Z" })).body;
  expect(past).toMatchObject({ state: "succeeded", not_before: null });
  const both = await gaia.request("POST", "/v1/jobs", { task: "echo", delay_s: 1, not_before: at });
  expect(both.status).toBe(400);
  expect(both.body.error.message).toContain("delay_s or not_before");
  const bad = await gaia.request("POST", "/v1/jobs", { task: "echo", not_before: "tomorrow" });
  expect(bad.body.error.message).toContain("RFC 3339");
  expect((await gaia.request("POST", "/v1/jobs", { task: "echo", priority: 1.5 })).status).toBe(400);
});
