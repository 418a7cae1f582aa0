/**
 * Submitting and reading jobs through the control API of a real gaia: results, handler
 * errors, bad requests, batches, listing, cancelling, idempotency.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { Gaia } from "./helpers/gaia.ts";

const tasksModule = resolve(import.meta.dir, "fixtures/tasks.ts");
let gaia: Gaia;

beforeAll(async () => {
  gaia = await Gaia.start({
    config: { control: { max_body_mb: 1 }, pools: [{ name: "default", size: 2, modules: [tasksModule] }] },
  });
});
afterAll(async () => gaia?.stop());

describe("submitting jobs", () => {
  test("start → ready → submit with wait → the result", async () => {
    const reply = await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: { hello: "world", big: 5_000_000_000 } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ state: "succeeded", result: { hello: "world", big: 5_000_000_000 }, attempts: 1, error: null });
    expect(reply.body.worker.id).toMatch(/^default-[01]$/);
    expect(reply.body.usage).toMatchObject({ user_ms: expect.any(Number), sys_ms: expect.any(Number), max_rss_kb: expect.any(Number) });
    expect(reply.body.execution_ms).toBeGreaterThanOrEqual(0);
  });

  test("without wait the answer is 202 and the job can be fetched until it ends", async () => {
    const accepted = await gaia.request("POST", "/v1/jobs", { task: "sleep", payload: { ms: 50 } });
    expect(accepted.status).toBe(202);
    expect(accepted.body.id).toEqual(expect.any(String));
    expect(["queued", "running"]).toContain(accepted.body.state); // dispatch may already have happened
    const done = await gaia.request("GET", `/v1/jobs/${accepted.body.id}?wait=10`);
    expect(done.body).toMatchObject({ state: "succeeded", result: { slept_ms: 50 } });
  });

  test("a throwing handler fails its job with type, message and traceback; the worker lives", async () => {
    const failed = await gaia.request("POST", "/v1/jobs?wait=10", { task: "test.fail", payload: { x: 7 } });
    expect(failed.body.state).toBe("failed");
    expect(failed.body.error).toMatchObject({ type: "RangeError", message: "bad value 7" });
    expect(failed.body.error.traceback).toContain("tasks.ts");
    expect(failed.body.attempts).toBe(1); // an exception is not retried by default
    const workers = await gaia.workers();
    const same = workers.find((w) => w.id === failed.body.worker.id);
    expect(same.pid).toBe(failed.body.worker.pid);
    expect(same.restarts).toBe(0);
  });

  test("a handler returning undefined succeeds with null; an unsendable value fails clearly", async () => {
    expect((await gaia.request("POST", "/v1/jobs?wait=10", { task: "test.undefined" })).body).toMatchObject({ state: "succeeded", result: null });
    const cycle = await gaia.request("POST", "/v1/jobs?wait=10", { task: "test.cycle" });
    expect(cycle.body).toMatchObject({ state: "failed", error: { type: "ResultError" } });
  });

  test("progress reported by the handler is on the job", async () => {
    const done = await gaia.request("POST", "/v1/jobs?wait=10", { task: "test.progress" });
    expect(done.body).toMatchObject({ state: "succeeded", progress: { fraction: 0.5, message: "half way" }, result: { attempt: 1 } });
  });

  test("an idempotency key that was seen returns the existing job", async () => {
    const first = await gaia.request("POST", "/v1/jobs", { task: "echo", payload: 1, idempotency_key: "k-1" });
    const again = await gaia.request("POST", "/v1/jobs", { task: "echo", payload: 2, idempotency_key: "k-1" });
    expect(again.body.id).toBe(first.body.id);
  });
});

describe("bad requests get 4xx in the {error: {code, message}} shape", () => {
  test("unknown task → 400 unknown_task", async () => {
    const reply = await gaia.request("POST", "/v1/jobs", { task: "no.such.task" });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: { code: "unknown_task", message: "no pool serves task 'no.such.task'" } });
  });
  test("malformed JSON → 400 bad_json", async () => {
    const reply = await gaia.request("POST", "/v1/jobs", '{"task": "echo",');
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("bad_json");
  });
  test("an unknown field → 400 naming it", async () => {
    const reply = await gaia.request("POST", "/v1/jobs", { task: "echo", paylod: 1 });
    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toContain("'paylod'");
  });
  test("wrong types → 400", async () => {
    const reply = await gaia.request("POST", "/v1/jobs", { task: 42 });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("invalid_request");
  });
  test("a body over control.max_body_mb → 413", async () => {
    const reply = await gaia.request("POST", "/v1/jobs", { task: "echo", payload: "x".repeat(1.5 * 1024 * 1024) });
    expect(reply.status).toBe(413);
    expect(reply.body.error.code).toBe("too_large");
  });
  test("an unknown route → 404", async () => {
    const reply = await gaia.request("GET", "/v2/nothing");
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe("not_found");
  });
  test("an unknown job → 404; a bad wait → 400", async () => {
    expect((await gaia.request("GET", "/v1/jobs/nope")).status).toBe(404);
    expect((await gaia.request("GET", "/v1/jobs/nope?wait=forever")).status).toBe(400);
  });
});

describe("batches, lists and cancels", () => {
  test("a batch of 1,000 jobs all succeed", async () => {
    const jobs = Array.from({ length: 1000 }, (_, i) => ({ task: "echo", payload: { i } }));
    const accepted = await gaia.request("POST", "/v1/jobs/batch", { jobs });
    expect(accepted.status).toBe(202);
    expect(accepted.body.ids).toHaveLength(1000);
    const last = await gaia.request("GET", `/v1/jobs/${accepted.body.ids[999]}?wait=30`);
    expect(last.body.result).toEqual({ i: 999 });
    const states = await Promise.all(accepted.body.ids.map((id: string) => gaia.request("GET", `/v1/jobs/${id}?wait=30`).then((r) => r.body.state)));
    expect(states.filter((s) => s === "succeeded")).toHaveLength(1000);
  });

  test("a batch with one bad job is refused whole", async () => {
    const before = (await gaia.request("GET", "/v1/status")).body.jobs;
    const reply = await gaia.request("POST", "/v1/jobs/batch", { jobs: [{ task: "echo" }, { task: "nope" }] });
    expect(reply.status).toBe(400);
    const after = (await gaia.request("GET", "/v1/status")).body.jobs;
    expect(after.queued + after.running + after.succeeded).toBe(before.queued + before.running + before.succeeded);
  });

  test("jobs are listed by state and task, page by page: newest first, or oldest first with order=asc", async () => {
    const page = await gaia.request("GET", "/v1/jobs?task=echo&state=succeeded&limit=10");
    expect(page.body.jobs).toHaveLength(10);
    expect(page.body.jobs.every((j: { task: string; state: string }) => j.task === "echo" && j.state === "succeeded")).toBe(true);
    const ids = page.body.jobs.map((j: { id: string }) => j.id);
    expect(ids).toEqual([...ids].sort().reverse());
    const next = await gaia.request("GET", `/v1/jobs?task=echo&state=succeeded&limit=10&after=${page.body.next}`);
    expect(next.body.jobs[0].id < page.body.jobs[9].id).toBe(true);
    const asc = await gaia.request("GET", "/v1/jobs?task=echo&state=succeeded&limit=10&order=asc");
    const ascNext = await gaia.request("GET", `/v1/jobs?task=echo&state=succeeded&limit=10&order=asc&after=${asc.body.next}`);
    expect(ascNext.body.jobs[0].id > asc.body.jobs[9].id).toBe(true);
    expect((await gaia.request("GET", "/v1/jobs?state=bogus")).status).toBe(400);
    expect((await gaia.request("GET", "/v1/jobs?order=sideways")).status).toBe(400);
  });

  test("cancelling a queued job removes it; cancelling it again is 409", async () => {
    const blockers = await gaia.request("POST", "/v1/jobs/batch", { jobs: [0, 1].map(() => ({ task: "sleep", payload: { ms: 1500 } })) });
    await gaia.until("both workers busy", async () => (await gaia.workers()).every((w) => w.state === "busy"));
    const queued = await gaia.request("POST", "/v1/jobs", { task: "echo", payload: "never" });
    const cancelled = await gaia.request("DELETE", `/v1/jobs/${queued.body.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ state: "cancelled", error: { type: "cancelled" } });
    expect((await gaia.request("DELETE", `/v1/jobs/${queued.body.id}`)).status).toBe(409);
    for (const id of blockers.body.ids) expect((await gaia.request("GET", `/v1/jobs/${id}?wait=10`)).body.state).toBe("succeeded");
    expect((await gaia.request("GET", `/v1/jobs/${queued.body.id}`)).body.state).toBe("cancelled");
  });

  test("a page far larger than one frame (36 MB) is answered whole: the API no longer crosses a socket", async () => {
    const big = "x".repeat(200_000); // 90 of these (twice: payload and result) pass 16 MiB
    const marker = (await gaia.request("POST", "/v1/jobs", { task: "echo", payload: "marker" })).body.id;
    let last = "";
    for (let i = 0; i < 90; i++) last = (await gaia.request("POST", "/v1/jobs", { task: "echo", payload: big })).body.id;
    await gaia.request("GET", `/v1/jobs/${last}?wait=30`);
    const page = await gaia.request("GET", `/v1/jobs?task=echo&limit=1000&order=asc&after=${marker}`);
    expect(page.status).toBe(200);
    expect(page.body.jobs.length).toBe(90);
    expect(page.body.jobs.every((j: { result: string }) => j.result === big)).toBe(true);
    expect((await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: "still here" })).body.result).toBe("still here");
  });

  test("status counts jobs and names the pools", async () => {
    const status = await gaia.request("GET", "/v1/status");
    expect(status.body).toMatchObject({ state: "running", io: { state: "ok" }, pools: [{ name: "default", state: "ok", ready: 2, size: 2 }] });
    expect(status.body.jobs.succeeded).toBeGreaterThan(1000);
    expect(status.body.jobs.queued).toBe(0);
  });
});
