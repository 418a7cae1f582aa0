/**
 * GET /metrics against a real gaia, read with a real Prometheus text parser: the families
 * are there and the job counters match the jobs run.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { resolve } from "node:path";
import parse from "parse-prometheus-text-format";
import { Gaia } from "./helpers/gaia.ts";

const tasksModule = resolve(import.meta.dir, "fixtures/tasks.ts");
let gaia: Gaia;
let gaiaStartedAt = 0;

beforeAll(async () => {
  gaiaStartedAt = Date.now();
  gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 2, modules: [tasksModule] }] } });
});
afterAll(async () => gaia?.stop());

async function scrape() {
  const res = await fetch("http://gaia/metrics", { unix: gaia.socket } as RequestInit);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
  const text = await res.text();
  return { text, families: parse(text) }; // the parser throws on a line that is not valid
}

test("/metrics parses as Prometheus text and its counters match the jobs run", async () => {
  for (let i = 0; i < 3; i++) expect((await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: i })).body.state).toBe("succeeded");
  for (let i = 0; i < 2; i++) expect((await gaia.request("POST", "/v1/jobs?wait=10", { task: "test.fail", payload: { x: i } })).body.state).toBe("failed");
  const queued = (await gaia.request("POST", "/v1/jobs", { task: "echo" })).body; // may run before the cancel
  await gaia.request("DELETE", `/v1/jobs/${queued.id}`);
  // The cancel may have caught that echo running and killed its worker: pick a victim once
  // both workers are up again.
  const victim = await gaia.until("two live workers", async () => {
    const workers = await gaia.workers();
    return workers.length === 2 && workers.every((w) => w.state === "idle") ? workers[0] : undefined;
  });
  process.kill(victim.pid, "SIGKILL");
  await gaia.until("the replacement", async () => (await gaia.workers()).every((w) => w.pid !== victim.pid && (w.state === "idle" || w.state === "busy")));

  const { text, families: parsed } = await scrape();
  const families = new Map(parsed.map((f) => [f.name, f]));
  const value = (name: string, labels: Record<string, string>) =>
    Number(families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value);

  expect(families.get("gaia_jobs_total")?.type).toBe("COUNTER");
  expect(value("gaia_jobs_total", { task: "echo", outcome: "succeeded" })).toBeGreaterThanOrEqual(3);
  // The fourth echo ended succeeded or cancelled, depending on who was first.
  const echoEnds = families.get("gaia_jobs_total")!.metrics.filter((m) => m.labels?.task === "echo").reduce((n, m) => n + Number(m.value), 0);
  expect(echoEnds).toBe(4);
  expect(value("gaia_jobs_total", { task: "test.fail", outcome: "failed" })).toBe(2);

  const durations = families.get("gaia_job_duration_seconds")!;
  expect(durations.type).toBe("HISTOGRAM");
  // This parser folds a histogram's per-label series into one and drops the labels, so the
  // per-task figures are read from the lines themselves.
  expect(text).toContain('gaia_job_duration_seconds_count{task="test.fail"} 2\n');
  expect(text).toContain('gaia_job_duration_seconds_bucket{task="test.fail",le="+Inf"} 2\n');

  expect(value("gaia_queue_depth", { pool: "default" })).toBe(0);
  expect(value("gaia_worker_restarts_total", { worker: victim.id, reason: "crash" })).toBe(1);
  expect(families.get("gaia_worker_restarts_total")?.type).toBe("COUNTER");
  const rss = families.get("gaia_worker_rss_bytes")!.metrics;
  expect(rss.length).toBe(2);
  for (const m of rss) expect(Number(m.value)).toBeGreaterThan(1024 * 1024);
  expect(Number(families.get("gaia_uptime_seconds")!.metrics[0]!.value)).toBeGreaterThan(0);
  expect(Number(families.get("gaia_arrays_bytes")!.metrics[0]!.value)).toBe(0);
  expect(value("gaia_workers", { pool: "default", state: "ready" })).toBe(2);
});

test("build info, process_* for every gaia process, queue waits and retries", async () => {
  // Two retries of a task that raises, then its final failure: three attempts, three waits.
  const retried = await gaia.request("POST", "/v1/jobs?wait=20", { task: "test.fail", payload: { x: "r" }, retries: { max: 2, on: ["error"], backoff_s: 0.01 } });
  expect(retried.body).toMatchObject({ state: "failed", attempts: 3 });
  const before = await scrape();
  const { text, families: parsed } = before;
  const families = new Map(parsed.map((f) => [f.name, f]));

  const info = families.get("gaia_build_info")!.metrics;
  expect(info).toHaveLength(1);
  expect(info[0]!.labels).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), bun: Bun.version });

  // One series per process: the supervisor, the IO engine, both workers.
  const cpu = families.get("process_cpu_seconds_total")!;
  expect(cpu.type).toBe("COUNTER");
  const byProcess = new Map(cpu.metrics.map((m) => [m.labels!.process!, m]));
  expect([...byProcess.keys()].sort()).toEqual(["default-0", "default-1", "io", "supervisor"]);
  expect(byProcess.get("io")!.labels!.role).toBe("io");
  expect(byProcess.get("default-0")!.labels!.role).toBe("bun");
  for (const m of cpu.metrics) expect(Number(m.value)).toBeGreaterThan(0);
  const rss = families.get("process_resident_memory_bytes")!.metrics;
  for (const m of rss) expect(Number(m.value)).toBeGreaterThan(1024 * 1024);
  const supervisorStart = Number(families.get("process_start_time_seconds")!.metrics.find((m) => m.labels!.process === "supervisor")!.value);
  expect(Math.abs(supervisorStart - gaiaStartedAt / 1000)).toBeLessThan(60); // clock-tick rounding and the test's own start; not a duration check
  for (const m of families.get("process_open_fds")!.metrics) expect(Number(m.value)).toBeGreaterThan(2);

  expect(families.get("gaia_job_retries_total")?.type).toBe("COUNTER");
  const retries = families.get("gaia_job_retries_total")!.metrics.find((m) => m.labels?.task === "test.fail");
  expect(Number(retries?.value)).toBe(2);
  expect(families.get("gaia_job_queue_wait_seconds")?.type).toBe("HISTOGRAM");
  // test.fail ran 2 jobs in the first test and 3 attempts here: 5 waits.
  expect(text).toContain('gaia_job_queue_wait_seconds_count{task="test.fail"} 5\n');
  expect(text).toMatch(/gaia_job_queue_wait_seconds_bucket\{task="test\.fail",le="\+Inf"\} 5\n/);
});
