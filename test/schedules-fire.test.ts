/**
 * Schedules fire on their own (SPEC §10): every_s, cron with seconds, overlap, and loops with
 * max_runs and error_delay_s, each against a real gaia. Durations are asserted only where
 * the behaviour is about time, and then leniently (this machine is shared and noisy).
 */
import { afterEach, expect, test } from "bun:test";
import { resolve } from "node:path";
import { Gaia } from "./helpers/gaia.ts";

const tasksModule = resolve(import.meta.dir, "fixtures/tasks.ts");
const started: Gaia[] = [];
afterEach(async () => {
  for (const gaia of started.splice(0)) await gaia.stop();
});

async function start(schedules: Record<string, unknown>[], size = 2) {
  // grace_s: a run still sleeping when the test ends goes back to the queue instead of being waited for.
  const gaia = await Gaia.start({ config: { pools: [{ name: "default", size, modules: [tasksModule] }], schedules, shutdown: { grace_s: 0.2 } } });
  started.push(gaia);
  return gaia;
}

/** The jobs a schedule made, oldest first. */
async function jobsOf(gaia: Gaia, name: string): Promise<any[]> {
  return (await gaia.request("GET", `/v1/jobs?schedule=${name}&limit=1000&order=asc`)).body.jobs;
}

const schedule = async (gaia: Gaia, name: string) => (await gaia.request("GET", `/v1/schedules/${name}`)).body;

test("every_s = 1 runs at least twice in 3 s; overlap = skip does not start a run while the last still runs", async () => {
  const gaia = await start([
    { name: "tick", every_s: 1, task: "echo", payload: { from: "tick" } },
    { name: "slow", every_s: 1, task: "sleep", payload: { ms: 6000 }, overlap: "skip" },
  ], 3);
  await Bun.sleep(3000);
  const ticks = await jobsOf(gaia, "tick");
  expect(ticks.length).toBeGreaterThanOrEqual(2);
  expect(ticks[0]).toMatchObject({ task: "echo", payload: { from: "tick" }, schedule: "tick" });
  const slow = await jobsOf(gaia, "slow");
  expect(slow.length).toBe(1); // the first run sleeps 6 s: the fires after it are skipped
  const view = await schedule(gaia, "slow");
  expect(view).toMatchObject({ runs: 1, last_job: slow[0].id, state: "scheduled" });
  expect(view.skips).toBeGreaterThanOrEqual(1);
  expect(["queued", "running", "succeeded"]).toContain(view.last_outcome);
});

test("overlap = queue starts a run at every fire, even while the last one runs", async () => {
  const gaia = await start([{ name: "piled", every_s: 0.5, task: "sleep", payload: { ms: 1500 }, overlap: "queue" }], 1);
  const jobs = await gaia.until("three runs of 'piled'", async () => {
    const jobs = await jobsOf(gaia, "piled");
    return jobs.length >= 3 && jobs;
  });
  expect(jobs.filter((j) => j.state === "succeeded").length).toBeLessThan(jobs.length); // they overlap: some still wait
  expect((await schedule(gaia, "piled")).skips).toBe(0);
});

test("a cron with seconds fires within 100 ms of its second", async () => {
  const gaia = await start([{ name: "second", cron: "* * * * * *", task: "echo" }]);
  const jobs = await gaia.until("five runs of a per-second cron", async () => {
    const jobs = await jobsOf(gaia, "second");
    return jobs.length >= 5 && jobs;
  });
  // Lateness: the job's creation time past the whole second it was due at. The median, so
  // that one run delayed by a busy machine does not decide.
  const lateness = jobs.map((j) => Date.parse(j.created_at) % 1000).sort((a, b) => a - b);
  expect(lateness[Math.floor(lateness.length / 2)]!).toBeLessThan(100);
  const seconds = jobs.map((j) => Math.floor(Date.parse(j.created_at) / 1000));
  expect(new Set(seconds).size).toBe(seconds.length); // one run per second, never two
});

test("a loop stops after max_runs, and waits error_delay_s after a failed run", async () => {
  const gaia = await start([
    { name: "ok-loop", loop: true, task: "echo", max_runs: 3 },
    { name: "bad-loop", loop: true, task: "test.fail", max_runs: 3, error_delay_s: 0.5 },
  ]);
  const bad = await gaia.until("bad-loop done", async () => {
    const s = await schedule(gaia, "bad-loop");
    return s.state === "done" && s;
  });
  expect(bad).toMatchObject({ runs: 3, last_outcome: "failed", next_run_at: null });
  expect(bad.last_error).toContain("RangeError");
  const failed = await jobsOf(gaia, "bad-loop");
  expect(failed.map((j) => j.state)).toEqual(["failed", "failed", "failed"]);
  for (let i = 1; i < failed.length; i++) {
    // Timers do not fire early, so this lower bound holds on any machine.
    expect(Date.parse(failed[i].created_at) - Date.parse(failed[i - 1].finished_at)).toBeGreaterThanOrEqual(499);
  }
  expect(await schedule(gaia, "ok-loop")).toMatchObject({ state: "done", runs: 3, last_outcome: "succeeded" });
  await Bun.sleep(700); // longer than error_delay_s: still no fourth run
  expect((await jobsOf(gaia, "bad-loop")).length).toBe(3);
  expect((await jobsOf(gaia, "ok-loop")).length).toBe(3);
});

test("a schedule whose task no pool serves records the refusal and runs nothing", async () => {
  const gaia = await start([{ name: "typo", every_s: 0.3, task: "no.such.task" }]);
  const view = await gaia.until("a refused run", async () => {
    const s = await schedule(gaia, "typo");
    return s.skips >= 1 && s;
  });
  expect(view).toMatchObject({ runs: 0, last_outcome: "refused", state: "scheduled" });
  expect(view.last_error).toContain("unknown_task");
  expect(await jobsOf(gaia, "typo")).toEqual([]);
});
