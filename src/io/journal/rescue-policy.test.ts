/** The rescue decision for a dead node's jobs (pure). */
import { expect, test } from "bun:test";
import { makeJob } from "../../../test/helpers/jobs.ts";
import { rescueByRetryPolicy } from "./rescue-policy.ts";

const decide = rescueByRetryPolicy(() => 1); // no jitter: the full backoff

test("a lost attempt with retries left goes back to the queue at once (the node died, not the job), the node named", () => {
  const job = makeJob({ state: "running", attempts: 2 });
  expect(decide(job, "n1", 10_000)).toEqual({
    state: "queued",
    not_before: 10_000,
    error: { type: "worker_lost", message: "node n1 stopped renewing its lease while it ran attempt 2 of this job" },
  });
});

test("spent retries, or a policy that does not retry worker_lost, fail the job", () => {
  expect(decide(makeJob({ state: "running", attempts: 4 }), "n1", 0)).toMatchObject({ state: "failed", error: { type: "worker_lost" } });
  const noRetry = makeJob({ state: "running", attempts: 1, retries: { max: 3, on: ["timeout"], backoff_s: 1, factor: 2, max_backoff_s: 60 } });
  expect(decide(noRetry, "n2", 0)).toMatchObject({ state: "failed", error: { message: expect.stringContaining("node n2") } });
});
