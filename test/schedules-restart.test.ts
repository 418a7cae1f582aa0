/**
 * Schedules live in the journal (SPEC §10): they survive a restart with what they have done,
 * a pause outlives a restart, the config is applied again at each start, and catch_up runs
 * a missed fire once at start.
 */
import { afterEach, expect, test } from "bun:test";
import { Gaia } from "./helpers/gaia.ts";

const started: Gaia[] = [];
afterEach(async () => {
  for (const gaia of started.splice(0)) await gaia.stop();
});

const pools = [{ name: "default", size: 1 }];
async function start(schedules: Record<string, unknown>[], dir?: string) {
  const gaia = await Gaia.start({ dir, config: { pools, schedules, shutdown: { grace_s: 0.2 } } });
  started.push(gaia);
  return gaia;
}
async function restart(gaia: Gaia, schedules: Record<string, unknown>[]) {
  await gaia.stop(true);
  started.splice(started.indexOf(gaia), 1);
  return start(schedules, gaia.dir);
}
const view = async (gaia: Gaia, name: string) => (await gaia.request("GET", `/v1/schedules/${name}`)).body;

test("schedules survive a restart with their last run; a pause too; the config is applied again", async () => {
  const hourly = { every_s: 3600, task: "echo" };
  const first = await start([{ name: "same", ...hourly }, { name: "edited", ...hourly }, { name: "dropped", ...hourly }]);
  expect((await first.request("PUT", "/v1/schedules/mine", { ...hourly, payload: { keep: true } })).status).toBe(201);
  const ran = await first.request("POST", "/v1/schedules/mine/run");
  await first.request("GET", `/v1/jobs/${ran.body.id}?wait=10`);
  const before = await view(first, "mine");
  expect(before).toMatchObject({ runs: 1, last_job: ran.body.id, last_outcome: "succeeded" });
  for (const name of ["same", "edited"]) expect((await first.request("POST", `/v1/schedules/${name}/pause`)).status).toBe(200);

  const second = await restart(first, [{ name: "same", ...hourly }, { name: "edited", ...hourly, payload: { v: 2 } }]);
  const after = await view(second, "mine");
  expect(after).toEqual(before); // every field: definition, runs, last run, last job, next run
  expect(after.last_run_at).not.toBeNull();
  expect(await view(second, "same")).toMatchObject({ source: "config", paused: true, state: "paused" });
  expect(await view(second, "edited")).toMatchObject({ source: "config", paused: false, payload: { v: 2 }, state: "scheduled" });
  expect((await second.request("GET", "/v1/schedules/dropped")).status).toBe(404);
  expect(second.output).toContain("schedule 'dropped': no longer in the config; dropped");
  // The job keeps its schedule's name in the journal.
  expect((await second.request("GET", `/v1/jobs/${ran.body.id}`)).body.schedule).toBe("mine");
});

test("catch_up = true runs once at start when a fire was missed while gaia was down; without it the fire is dropped", async () => {
  const every4 = { every_s: 4, task: "echo" };
  const schedules = [{ name: "eager", ...every4, catch_up: true }, { name: "lazy", ...every4 }];
  const first = await start(schedules);
  const missed = Date.parse((await view(first, "eager")).next_run_at);
  const lazyNext = Date.parse((await view(first, "lazy")).next_run_at);
  await first.stop(true);
  started.splice(0);
  await Bun.sleep(Math.max(0, missed - Date.now()) + 300);

  const second = await start(schedules, first.dir);
  const eager = await second.until("the catch-up run", async () => {
    const s = await view(second, "eager");
    return s.runs >= 1 && s;
  }, 3000);
  expect(eager.last_job).not.toBeNull();
  const lazy = await view(second, "lazy");
  // lazy did not run for the missed fire: its only possible run is at its next grid point.
  const lazyRun = lazy.last_run_at === null ? null : Date.parse(lazy.last_run_at);
  expect(lazyRun === null || lazyRun >= lazyNext + 4000 - 50).toBe(true);
  expect(Date.parse(lazy.next_run_at)).toBeGreaterThan(missed);
});

test("kill -9 of the IO engine: a loop and its run in flight carry on with the restarted engine", async () => {
  const gaia = await start([{ name: "loop", loop: true, task: "sleep", payload: { ms: 400 }, max_runs: 4 }]);
  const running = await gaia.until("the loop's first run", async () => {
    const s = await view(gaia, "loop");
    return s.runs === 1 && s.last_outcome === "running" && s;
  });
  const ioPid = (await gaia.request("GET", "/v1/status")).body.io.pid;
  process.kill(ioPid, "SIGKILL");
  await gaia.until("a new IO engine", async () => {
    const s = (await gaia.request("GET", "/v1/status")).body;
    return s.io.pid && s.io.pid !== ioPid;
  });
  const done = await gaia.until("the loop's end", async () => {
    const s = await view(gaia, "loop");
    return s.state === "done" && s;
  }, 20_000);
  expect(done).toMatchObject({ runs: 4, last_outcome: "succeeded" });
  const jobs = (await gaia.request("GET", "/v1/jobs?schedule=loop&order=asc")).body.jobs;
  expect(jobs.map((j: { state: string }) => j.state)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
  expect(jobs[0].id).toBe(running.last_job); // the run in flight was kept, not made again
});
