/**
 * gaia as PID 1 (SPEC §1): a container's entrypoint is its init too. Each test starts the
 * built binary as PID 1 of a new PID namespace, as `docker run` does, and looks at the
 * namespace's processes from outside: zombies, signals, exit codes, leftovers.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { INIT_CHILD_ENV } from "../src/supervisor/init-policy.ts";
import { PidNamespace, pidNamespaceOf, processes, requireUnshare } from "./helpers/pidns.ts";

const tasksModule = resolve(import.meta.dir, "fixtures/pid1_tasks.ts");
const started: { ns: PidNamespace; shm: string | null }[] = [];

async function start(graceS: number, env: Record<string, string> = {}): Promise<PidNamespace> {
  requireUnshare();
  const ns = PidNamespace.start({ shutdown: { grace_s: graceS }, pools: [{ name: "default", size: 2, modules: [tasksModule] }] }, env);
  const entry: (typeof started)[number] = { ns, shm: null };
  started.push(entry);
  await ns.waitReady();
  entry.shm = (await ns.supervisor()).shmPrefix;
  return ns;
}
afterEach(async () => {
  for (const { ns, shm } of started.splice(0)) await ns.stop(shm);
});

/** Runs `n` jobs that each leave an orphaned `sleep 0.3`, then waits until every sleep is over. */
async function runOrphanJobs(ns: PidNamespace, n: number): Promise<void> {
  const batch = await ns.request("POST", "/v1/jobs/batch", { jobs: Array.from({ length: n }, () => ({ task: "pid1.orphan" })) });
  expect(batch.status).toBe(202);
  const jobs = await ns.until(`${n} orphan jobs to end`, async () => {
    const counts = (await ns.request("GET", "/v1/status")).body.jobs;
    return counts.succeeded + counts.failed >= n ? counts : null;
  }, 60_000);
  expect(jobs).toMatchObject({ succeeded: n, failed: 0 });
  await Bun.sleep(2000);
}

const sleepZombies = (ns: PidNamespace) => ns.members().filter((p) => p.state === "Z" && p.comm === "sleep");

async function untilRunning(ns: PidNamespace, id: string): Promise<void> {
  await ns.until(`job ${id} running`, async () => (await ns.request("GET", `/v1/jobs/${id}`)).body.state === "running");
}

describe("gaia as PID 1", () => {
  test("200 jobs that each leave an orphan: PID 1 reaps them all, no zombie is left", async () => {
    const ns = await start(5);
    expect((await ns.supervisor()).nsPid).not.toBe(1); // the supervisor is init's child
    await runOrphanJobs(ns, 200);
    expect(ns.members().filter((p) => p.state === "Z").map((p) => `zombie ${p.pid} (${p.comm})`)).toEqual([]);
  });

  test("control: the same orphans under a PID 1 without init duties stay zombies, and are seen", async () => {
    // The marker makes gaia at PID 1 the bare supervisor, as every gaia was before init.ts:
    // this is what the test above would find without the init, so its 0 can fail.
    const ns = await start(5, { [INIT_CHILD_ENV]: "1" });
    expect((await ns.supervisor()).nsPid).toBe(1);
    await runOrphanJobs(ns, 20);
    expect(sleepZombies(ns).length).toBe(20);
  });

  test("SIGTERM to PID 1 reaches the supervisor: the running job ends in the grace, exit 0, nothing left", async () => {
    const ns = await start(10);
    const marker = join(ns.dir, "done.txt");
    const job = await ns.request("POST", "/v1/jobs", { task: "pid1.sleep_then_write", payload: { ms: 1000, path: marker } });
    await untilRunning(ns, job.body.id);
    const init = ns.initPid()!;
    const namespace = pidNamespaceOf(init);
    expect(namespace).not.toBe(pidNamespaceOf(process.pid));
    process.kill(init, "SIGTERM");
    const code = await ns.exited(30_000);
    if (code === null) throw new Error(`gaia did not exit within 30 s of SIGTERM:\n${ns.output}`);
    expect(code).toBe(0);
    expect(existsSync(marker)).toBe(true); // the job ran to its end: the grace was honoured
    expect(ns.output).toContain("SIGTERM: shutting down");
    expect(processes().filter((p) => pidNamespaceOf(p.pid) === namespace)).toEqual([]);
  });

  test("a second signal reaches the supervisor too and skips the grace (SIGINT, then SIGTERM)", async () => {
    const ns = await start(120);
    const marker = join(ns.dir, "done.txt");
    const job = await ns.request("POST", "/v1/jobs", { task: "pid1.sleep_then_write", payload: { ms: 60_000, path: marker } });
    await untilRunning(ns, job.body.id);
    const init = ns.initPid()!;
    process.kill(init, "SIGINT");
    await ns.until("the supervisor to begin its shutdown", () => ns.output.includes("SIGINT: shutting down"));
    process.kill(init, "SIGTERM");
    // Without the second signal the stop would wait for the 60 s job.
    const code = await ns.exited(30_000);
    if (code === null) throw new Error(`the second signal did not skip the grace: gaia still runs 30 s later:\n${ns.output}`);
    expect(code).toBe(0);
    expect(ns.output).toContain("SIGTERM again: not waiting for running jobs");
    expect(existsSync(marker)).toBe(false);
  });

  test("a supervisor killed by a signal: PID 1 exits with 128 + its number", async () => {
    const ns = await start(5);
    process.kill((await ns.supervisor()).hostPid, "SIGKILL");
    expect(await ns.exited(30_000)).toBe(137);
  });

  test("a bad config: the supervisor's exit code 2 and its message come out of PID 1", async () => {
    requireUnshare();
    const ns = PidNamespace.start({ pools: [{ name: "default", size: "two" }] });
    started.push({ ns, shm: null });
    expect(await ns.exited(30_000)).toBe(2);
    expect(ns.output).toContain("config: pools[0].size");
  });
});
