/**
 * The queue's bounds: `queue.max_depth` refuses work beyond it with 429 and Retry-After (jobs
 * a busy worker holds but has not started count as queued), and finished jobs are purged
 * after `queue.result_ttl_s`.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Gaia } from "./helpers/gaia.ts";

let gaia: Gaia;
beforeAll(async () => {
  gaia = await Gaia.start({ config: { queue: { max_depth: 3, result_ttl_s: 1 }, pools: [{ name: "default", size: 1 }] } });
});
afterAll(async () => gaia?.stop());

test("beyond max_depth a submission gets 429 with Retry-After, and nothing is journaled", async () => {
  const running = await gaia.request("POST", "/v1/jobs", { task: "sleep", payload: { ms: 1500 } });
  await gaia.until("the sleep running", async () => (await gaia.request("GET", `/v1/jobs/${running.body.id}`)).body.state === "running");
  const three = await gaia.request("POST", "/v1/jobs/batch", { jobs: [1, 2, 3].map((i) => ({ task: "echo", payload: i })) });
  expect(three.status).toBe(202);
  const fourth = await gaia.request("POST", "/v1/jobs", { task: "echo", payload: 4 });
  expect(fourth.status).toBe(429);
  expect(fourth.body.error.code).toBe("queue_full");
  expect(fourth.headers.get("retry-after")).toBe("1");
  expect((await gaia.request("GET", "/v1/status")).body.pools[0].queued).toBe(3);
  for (const id of three.body.ids) expect((await gaia.request("GET", `/v1/jobs/${id}?wait=20`)).body.state).toBe("succeeded");
  expect((await gaia.request("POST", "/v1/jobs", { task: "echo", payload: 5 })).status).toBe(202);
});

test("a finished job is purged after result_ttl_s", async () => {
  const done = await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: "short-lived" });
  expect(done.body.state).toBe("succeeded");
  await gaia.until("the job purged", async () => (await gaia.request("GET", `/v1/jobs/${done.body.id}`)).status === 404, 10_000);
});
