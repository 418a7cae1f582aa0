import { expect, test } from "bun:test";
import type { Job, JobState } from "./job.ts";
import { JobMetrics, WAIT_BUCKETS } from "./metrics.ts";

/** Only the fields the metrics read. */
const job = (over: Partial<Job>): Job => ({ id: "j", task: "t", state: "queued", created_at: 1_000, not_before: 0, started_at: null, finished_at: null, ...over }) as Job;

function move(metrics: JobMetrics, j: Job, state: JobState, changes: Partial<Job> = {}): void {
  const from = j.state;
  Object.assign(j, changes, { state });
  metrics.transition(j, from);
}

test("an attempt's queue wait runs from when the job could run; a retry counts, a shutdown requeue does not", () => {
  const m = new JobMetrics();
  const j = job({});
  move(m, j, "running", { started_at: 1_004 }); // waited 4 ms since created
  move(m, j, "queued", { not_before: 1_500 }); // a retry, due at 1_500
  move(m, j, "running", { started_at: 1_502 }); // waited 2 ms past its retry's delay
  move(m, j, "queued", { started_at: null }); // shutdown put it back (engine.requeue)
  move(m, j, "running", { started_at: 1_600 });
  move(m, j, "succeeded", { finished_at: 1_700 });
  const t = m.snapshot().tasks[0]!;
  expect(t.retries).toBe(1);
  expect(t.wait.count).toBe(3);
  expect(t.wait.sum).toBeCloseTo(0.004 + 0.002 + 0.1, 9);
  expect(t.wait.buckets[WAIT_BUCKETS.indexOf(0.005)]).toBe(2); // 4 ms and 2 ms: in (0.001, 0.005]
  expect(t.outcomes).toEqual({ succeeded: 1 });
  expect(t.count).toBe(1);
  expect(t.sum).toBeCloseTo(0.1, 9);
});

test("a job cancelled while queued is an outcome with no wait and no duration", () => {
  const m = new JobMetrics();
  const j = job({});
  move(m, j, "cancelled", { finished_at: 2_000 });
  const t = m.snapshot().tasks[0]!;
  expect([t.outcomes, t.wait.count, t.count, t.retries]).toEqual([{ cancelled: 1 }, 0, 0, 0]);
});
