/**
 * GET /v1/events against a real gaia: process events of a killed worker in order, resuming
 * with Last-Event-ID, and `?job=ID`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Gaia } from "./helpers/gaia.ts";
import { ReconnectingSse, SseStream } from "./helpers/sse.ts";

const tasksModule = resolve(import.meta.dir, "fixtures/tasks.ts");
let gaia: Gaia;
const streams: SseStream[] = [];
const open = async (path: string, headers?: Record<string, string>) => {
  const s = await SseStream.open(gaia.socket, path, headers);
  streams.push(s);
  return s;
};

beforeAll(async () => {
  gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 2, modules: [tasksModule] }] } });
});
afterAll(async () => {
  for (const s of streams) s.close();
  await gaia?.stop();
});

describe("GET /v1/events", () => {
  test("a killed worker's exit, restart, new start and ready arrive in that order", async () => {
    const events = await open("/v1/events");
    const victim = (await gaia.workers()).find((w) => w.id === "default-0");
    process.kill(victim.pid, "SIGKILL");
    const ready = await events.until("the replacement ready", (e) => e.event === "process.ready" && e.data.data.process === "default-0" && e.data.data.pid !== victim.pid);
    // From the victim's exit on: the start's own process.ready of default-0 may still have
    // been on its way when the stream opened.
    const all = events.events.filter((e) => e.event.startsWith("process.") && e.data.data.process === "default-0");
    const mine = all.slice(all.findIndex((e) => e.event === "process.exited"));
    expect(mine.map((e) => e.event)).toEqual(["process.exited", "process.restarted", "process.started", "process.ready"]);
    expect(mine[0]!.data.data).toMatchObject({ pid: victim.pid, signal: "SIGKILL", code: null, reason: "crash", pool: "default" });
    expect(mine[1]!.data.data).toMatchObject({ reason: "crash", restarts: 1 });
    expect(mine[2]!.data.data.pid).toBe(ready.data.data.pid);
    expect(ready.data.data.pid).not.toBe(victim.pid);
    // Ids grow, and the `id:` field is the id inside the data.
    const ids = mine.map((e) => Number(e.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    for (const e of mine) expect(e.data.id).toBe(Number(e.id));
  });

  test("a job's queued, started and finished events carry its id, state and result's outcome", async () => {
    const events = await open("/v1/events");
    const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "test.fail", payload: { x: 1 } })).body;
    const finished = await events.until("job.finished", (e) => e.event === "job.finished" && e.data.data.job_id === job.id);
    expect(finished.data.data).toMatchObject({ task: "test.fail", state: "failed", error: { type: "RangeError" } });
    const kinds = events.events.filter((e) => e.data.data?.job_id === job.id).map((e) => e.event);
    expect(kinds).toEqual(["job.queued", "job.started", "job.finished"]);
  });

  test("reconnecting with Last-Event-ID replays exactly the events missed, in order", async () => {
    for (const s of streams) s.close(); // so that, in between, no one at all listens
    const first = await open("/v1/events");
    const a = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: "a" })).body;
    const seen = await first.until("job a finished", (e) => e.event === "job.finished" && e.data.data.job_id === a.id);
    first.close();
    // While no one is connected: two more jobs.
    const b = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: "b" })).body;
    const c = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: "c" })).body;
    const again = await open("/v1/events", { "Last-Event-ID": seen.id! });
    await again.until("job c finished", (e) => e.event === "job.finished" && e.data.data.job_id === c.id);
    expect(again.events.some((e) => e.event === "events.gap")).toBe(false);
    const replayed = again.events.filter((e) => e.event.startsWith("job."));
    expect(replayed.map((e) => [e.event, e.data.data.job_id])).toEqual([
      ["job.queued", b.id], ["job.started", b.id], ["job.finished", b.id],
      ["job.queued", c.id], ["job.started", c.id], ["job.finished", c.id],
    ]);
    // Nothing between the last id seen and the first replayed one is missing.
    const ids = again.events.map((e) => Number(e.id));
    expect(ids[0]).toBe(Number(seen.id) + 1);
    ids.forEach((id, i) => i > 0 && expect(id).toBe(ids[i - 1]! + 1));
  });

  test("?job=ID follows one job, progress included, while another runs beside it", async () => {
    await open("/v1/events"); // job events flow while anyone listens
    const mine = (await gaia.request("POST", "/v1/jobs", { task: "test.steps", payload: { steps: 3, ms: 100 } })).body;
    const events = await open(`/v1/events?job=${mine.id}`, { "Last-Event-ID": "0" });
    const other = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "test.steps", payload: { steps: 2, ms: 50 } })).body;
    await events.until("my job finished", (e) => e.event === "job.finished");
    expect(other.state).toBe("succeeded");
    const jobEvents = events.events.filter((e) => e.event !== "events.gap");
    expect(jobEvents.every((e) => e.data.data.job_id === mine.id)).toBe(true);
    const kinds = jobEvents.map((e) => e.event);
    expect(kinds[0]).toBe("job.queued");
    expect(kinds.at(-1)).toBe("job.finished");
    const progress = jobEvents.filter((e) => e.event === "job.progress").map((e) => e.data.data);
    expect(progress.map((p) => p.fraction)).toEqual([1 / 3, 2 / 3, 1]);
    expect(progress[0].message).toBe("step 1 of 3");
  });

  test("after kill -9 of the IO engine, a client that reconnects with Last-Event-ID gets its exit and return, and job events flow again", async () => {
    const events = new ReconnectingSse(gaia.socket, "/v1/events");
    await gaia.until("the stream open", async () => events.connections > 0);
    // An event seen before the kill gives the client its Last-Event-ID to come back with.
    const before = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: "before" })).body;
    await gaia.until("job.finished before the kill", async () => events.events.some((e) => e.event === "job.finished" && e.data.data.job_id === before.id));
    const io = (await gaia.request("GET", "/v1/status")).body.io;
    process.kill(io.pid, "SIGKILL");
    // The supervisor keeps the process events while the engine is away and tells the new one.
    await gaia.until("the IO engine ready again", async () => events.events.some((e) => e.event === "process.ready" && e.data.data.process === "io"));
    const mine = events.events.filter((e) => e.event.startsWith("process.") && e.data.data.process === "io").map((e) => e.event);
    expect(mine).toEqual(["process.exited", "process.restarted", "process.started", "process.ready"]);
    expect(events.connections).toBeGreaterThan(1);
    await gaia.waitReady();
    const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: "after" })).body;
    await gaia.until("job.finished after the restart", async () => events.events.some((e) => e.event === "job.finished" && e.data.data.job_id === job.id));
    events.close();
  });

  test("a Last-Event-ID older than anything held is told of the gap", async () => {
    const events = await open("/v1/events", { "Last-Event-ID": "1" });
    const gap = await events.until("events.gap", (e) => e.event === "events.gap");
    expect(gap.data.data.after).toBe(1);
  });

  test("a Last-Event-ID that is not an integer is refused with 400", async () => {
    const res = await gaia.request("GET", "/v1/events", undefined, { "Last-Event-ID": "abc" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
  });
});

describe("filters", () => {
  let g: Gaia;
  beforeAll(async () => {
    g = await Gaia.start();
  });
  afterAll(async () => g?.stop());

  test("?kind= keeps only the kinds asked for (a family by its prefix)", async () => {
    const finished = await SseStream.open(g.socket, "/v1/events?kind=job.finished");
    const family = await SseStream.open(g.socket, "/v1/events?kind=job.");
    const job = (await g.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: 1 })).body;
    await finished.until("job.finished", (e) => e.event === "job.finished" && e.data.data.job_id === job.id);
    await family.until("job.finished", (e) => e.event === "job.finished" && e.data.data.job_id === job.id);
    expect(new Set(finished.events.map((e) => e.event))).toEqual(new Set(["job.finished"]));
    expect(family.events.map((e) => e.event)).toEqual(["job.queued", "job.started", "job.finished"]);
    finished.close();
    family.close();
  });
});

test("POST /v1/jobs/wait answers as soon as one of the jobs has ended, or once all have with all=true", async () => {
  const g = await Gaia.start({ config: { pools: [{ name: "default", size: 2 }] } });
  try {
    const slow = (await g.request("POST", "/v1/jobs", { task: "sleep", payload: { ms: 1500 } })).body.id;
    const quick = (await g.request("POST", "/v1/jobs", { task: "sleep", payload: { ms: 50 } })).body.id;
    const first = (await g.request("POST", "/v1/jobs/wait", { ids: [slow, quick], timeout_s: 10 })).body;
    expect(first.jobs.map((j: { id: string }) => j.id)).toEqual([quick]);
    expect(first.pending).toEqual([slow]);
    const all = (await g.request("POST", "/v1/jobs/wait", { ids: [slow, quick], timeout_s: 10, all: true })).body;
    expect(all.jobs.map((j: { id: string }) => j.id).sort()).toEqual([slow, quick].sort());
    expect(all.pending).toEqual([]);
    expect((await g.request("POST", "/v1/jobs/wait", { ids: ["nope"] })).status).toBe(404);
  } finally {
    await g.stop();
  }
});

test("a client that stalls for a moment is kept through a burst far over 4 MiB (20,000 jobs in two batches), and every job.finished reaches it on one stream", async () => {
  // curl, stopped with SIGSTOP while the batches' events pile up for it (as a busy browser
  // tab or a paused consumer would), then let go: it must not have been dropped meanwhile.
  const out = join(gaia.dir, "events.txt");
  const curl = Bun.spawn(["curl", "-sN", "--unix-socket", gaia.socket, "http://gaia/v1/events", "-o", out], { stdout: "ignore", stderr: "ignore" });
  const count = () => (existsSync(out) ? readFileSync(out, "latin1").split("\nevent: job.finished\n").length - 1 : 0);
  try {
    await gaia.until("curl to be subscribed", async () => existsSync(out) && readFileSync(out, "latin1").includes(": subscribed"));
    process.kill(curl.pid, "SIGSTOP");
    // Two batches: about 7 MB of job.queued events alone, queued for curl while it is stopped.
    // It is let go as soon as they are in (well within the 5 s grace, even on a busy machine).
    for (let b = 0; b < 2; b++) {
      const jobs = Array.from({ length: 10_000 }, (_, i) => ({ task: "test.pid", payload: { b, i, pad: "x".repeat(64) } }));
      expect((await gaia.request("POST", "/v1/jobs/batch", { jobs })).body.ids).toHaveLength(10_000);
    }
    process.kill(curl.pid, "SIGCONT");
    const deadline = Date.now() + 120_000;
    while (count() < 20_000 && curl.exitCode === null && Date.now() < deadline) await Bun.sleep(200);
    expect({ finished: count(), dropped: curl.exitCode !== null }).toEqual({ finished: 20_000, dropped: false });
    expect(statSync(out).size).toBeGreaterThan(4 * 1024 * 1024);
  } finally {
    curl.kill("SIGKILL");
    await curl.exited;
  }
}, 150_000);
