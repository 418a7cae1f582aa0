/**
 * Chaos (issue 6): 2,000 short jobs on a Bun pool and a Python pool while a random worker is
 * `kill -9`ed every 200 ms for 20 s, and the IO engine once. Afterwards every job is
 * terminal exactly once, none is still running, the journal agrees with the API, and no
 * process of the run is left.
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { Gaia } from "./helpers/gaia.ts";

const JOBS = 2000;
const CHAOS_MS = 20_000;
const KILL_EVERY_MS = 200;

/** Processes whose command line names this run's folder. */
function processesOf(dir: string): number[] {
  return readdirSync("/proc").filter((e) => /^\d+$/.test(e)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
    } catch {
      return false;
    }
  }).map(Number);
}

test("2,000 jobs under kill -9 of workers and of the IO engine: each ends exactly once", async () => {
  const gaia = await Gaia.start({
    config: {
      restart: { intensity: 1000, period_s: 60, backoff_max_ms: 200 },
      pools: [
        { name: "default", size: 2, modules: [resolve(import.meta.dir, "fixtures/tasks.ts")] },
        { name: "py", runtime: "python", python: VENV_PYTHON, size: 2, modules: [resolve(import.meta.dir, "fixtures/py_tasks.py")] },
      ],
      tasks: { sleep: { retries: { max: 10, backoff_s: 0.05 } }, "py.sleep_then": { retries: { max: 10, backoff_s: 0.05 } } },
    },
  });
  let kills = 0;
  try {
    const ids: string[] = [];
    const chaosEnds = Date.now() + CHAOS_MS;
    let ioKilled = false;
    const chaos = (async () => {
      while (Date.now() < chaosEnds) {
        await Bun.sleep(KILL_EVERY_MS);
        const workers = (await gaia.workers().catch(() => [])).filter((w) => w.pid && w.state !== "backoff");
        const victim = workers[Math.floor(Math.random() * workers.length)];
        if (victim) (process.kill(victim.pid, "SIGKILL"), kills++);
        if (!ioKilled && Date.now() > chaosEnds - CHAOS_MS / 2) {
          const io = (await gaia.request("GET", "/v1/status")).body.io.pid;
          if (io) (process.kill(io, "SIGKILL"), (ioKilled = true));
        }
      }
    })();
    // Submit in batches while the chaos runs; a 503 (IO engine restarting) is retried.
    for (let sent = 0; sent < JOBS; ) {
      const jobs = Array.from({ length: 50 }, (_, i) =>
        (sent + i) % 2 ? { task: "sleep", payload: { ms: 5 } } : { task: "py.sleep_then", payload: { ms: 5, value: sent + i } },
      );
      const reply = await gaia.request("POST", "/v1/jobs/batch", { jobs }).catch(() => ({ status: 0, body: null }));
      if (reply.status === 202) {
        ids.push(...reply.body.ids);
        sent += 50;
      } else await Bun.sleep(50);
      await Bun.sleep(400);
    }
    await chaos;
    expect(ioKilled).toBe(true);

    // Every accepted job ends, exactly once.
    const seen = new Map<string, string>();
    for (const id of ids) {
      const job = await gaia.until(`job ${id} terminal`, async () => {
        const j = (await gaia.request("GET", `/v1/jobs/${id}?wait=10`)).body;
        return j.finished_at ? j : undefined;
      }, 120_000);
      seen.set(id, job.state);
    }
    expect(seen.size).toBe(JOBS);
    const status = (await gaia.request("GET", "/v1/status")).body;
    expect(status.jobs).toMatchObject({ queued: 0, running: 0 });
    expect(status.jobs.succeeded + status.jobs.failed + status.jobs.timed_out + status.jobs.cancelled).toBe(JOBS);
    console.log(`chaos: ${kills} workers killed, IO engine once; ${JOBS} jobs: ${JSON.stringify(status.jobs)}`);

    // The journal agrees with the API, read after a clean stop.
    await gaia.stop(true);
    expect(processesOf(gaia.dir)).toEqual([]);
    const db = new Database(join(gaia.dir, ".gaia/data/journal.sqlite"), { readonly: true });
    const rows = db.query("SELECT id, state FROM jobs").all() as { id: string; state: string }[];
    db.close();
    expect(rows.length).toBe(JOBS);
    for (const row of rows) expect(seen.get(row.id)).toBe(row.state);
  } finally {
    await gaia.stop();
  }
}, 240_000);
