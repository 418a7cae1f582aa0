/**
 * The IO engine process (`gaia __io --state FILE`): journal, queues, dispatch, timeouts and
 * retries, serving workers and the supervisor on io.sock.
 *
 * Boot: open the journal → take over its queued jobs and its running ones (a worker may
 * still run them and reclaim them in its hello; unclaimed after ORPHAN_GRACE_MS they are
 * `worker_lost`) → listen → serve until stdin closes (supervisor gone) or SIGTERM.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import { exitOnStdinEof } from "../lib/stdin-eof.ts";
import { filesystemBytes, resolveMaxBytes } from "../arrays/files.ts";
import { ArrayOps } from "./array-ops.ts";
import { ArrayStore } from "./array-store.ts";
import { Engine } from "./engine.ts";
import type { Job } from "./job.ts";
import { Journal } from "./journal.ts";
import { Ops } from "./ops.ts";
import { ScheduleOps } from "./schedules/ops.ts";
import { Scheduler } from "./schedules/scheduler.ts";
import { ScheduleStore } from "./schedules/store.ts";
import { IoServer } from "./server.ts";
import { WorkerLink } from "./worker-link.ts";

const ORPHAN_GRACE_MS = 5000;
/** Purge at least every minute, and often enough that a short result_ttl_s is kept. */
const purgeEveryMs = (ttlS: number) => Math.min(60_000, Math.max(1000, (ttlS * 1000) / 2));

/** `instance` names this run of gaia in array file names (see src/arrays/names.ts). */
export type IoBoot = { config: Config; runDir: string; dataDir: string; instance: string };

export async function runIoEngine(argv: string[]): Promise<void> {
  const stateFile = argv[argv.indexOf("--state") + 1];
  if (!stateFile) throw new Error("usage: gaia __io --state FILE");
  const boot = JSON.parse(readFileSync(stateFile, "utf8")) as IoBoot;
  const log = (line: string) => console.error(line);

  const journal = new Journal(boot.dataDir);
  const { dir, max_bytes, ttl_s } = boot.config.arrays;
  const arrays = new ArrayStore(journal.db, { dir, maxBytes: resolveMaxBytes(max_bytes, filesystemBytes(dir)), ttlS: ttl_s, instance: boot.instance }, log);
  const announced = new Map<string, ReadonlySet<string>>(
    [...journal.poolTasks()].map(([pool, tasks]) => [pool, new Set(tasks)]),
  );
  let server: IoServer;
  let scheduler: Scheduler;
  const engine = new Engine(boot.config, journal, arrays, {
    killWorker: (workerId, pid, reason) => server.notify("worker.kill", { worker_id: workerId, pid, reason }),
    recycleWorker: (workerId, pid) => server.notify("worker.recycle", { worker_id: workerId, pid }),
    scheduledJobEnded: (job) => scheduler.jobEnded(job),
    sendEvents: (events) => server.notify("events", { events }),
    log,
  });
  const link = new WorkerLink(engine, {
    announce(worker) {
      const tasks = [...worker.tasks].sort();
      const known = announced.get(worker.pool);
      if (!known || known.size !== tasks.length || tasks.some((t) => !known.has(t))) {
        announced.set(worker.pool, new Set(tasks));
        journal.savePoolTasks(worker.pool, tasks);
      }
      server.notify("worker.ready", { worker_id: worker.id, pool: worker.pool, pid: worker.pid, tasks });
    },
    fatal: (workerId, message) => server.notify("worker.fatal", { worker_id: workerId, message }),
    log,
  });
  const ops = new Ops(engine, () => announced);
  const liveState = (id: string) => engine.active.get(id)?.state;
  scheduler = new Scheduler(new ScheduleStore(journal.database), {
    submit: (body, schedule) => ops.admit([body], schedule),
    liveState,
    draining: () => engine.draining,
    // The supervisor forwards what it knows and ignores other kinds (see Supervisor.ioEvent).
    notify: (kind, data) => server.notify(kind, data),
    log,
  });
  const scheduleOps = new ScheduleOps({ scheduler, liveState, poolOrder: boot.config.pools.map((p) => p.name), announced: () => announced });
  server = new IoServer(engine, link, ops, new ArrayOps(arrays), log, scheduleOps);

  adoptJournal(engine, link);
  // After adoption: a schedule whose last job is still queued or running must see it in flight.
  scheduler.start(boot.config.schedules);
  server.listen(join(boot.runDir, "io.sock"));
  engine.purge(Date.now() - boot.config.queue.result_ttl_s * 1000);
  setInterval(() => engine.purge(Date.now() - boot.config.queue.result_ttl_s * 1000), purgeEveryMs(boot.config.queue.result_ttl_s));
  setInterval(() => {
    arrays.expire(Date.now());
    arrays.collectStrays((id) => engine.active.has(id));
  }, purgeEveryMs(ttl_s));

  const stop = () => {
    journal.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", () => {}); // a terminal's Ctrl-C reaches the whole group; the supervisor decides
  exitOnStdinEof(stop);
}

function adoptJournal(engine: Engine, link: WorkerLink): void {
  const orphans: Job[] = [];
  for (const job of engine.journal.active()) {
    const lost = Object.entries(job.arrays).find(([, name]) => !engine.arrays.get(name));
    if (lost) {
      // Its input went with an earlier run of gaia (arrays are memory): it cannot run.
      job.error = { type: "array_lost", message: `input array '${lost[0]}' (${lost[1]}) was lost when gaia restarted; arrays live for one run of gaia` };
      engine.active.set(job.id, job);
      engine.finish(job, "failed");
      continue;
    }
    engine.arrays.hold(job.arrays);
    if (job.state === "queued") engine.enqueue(job);
    else {
      engine.active.set(job.id, job);
      orphans.push(job);
    }
  }
  if (orphans.length === 0) return;
  setTimeout(() => {
    const claimed = new Set([...link.workers.values()].flatMap((w) => (w.state.kind === "busy" ? [w.state.job.id] : [])));
    for (const job of orphans) {
      if (job.state !== "running" || claimed.has(job.id)) continue;
      if (engine.cancelling.has(job.id)) {
        job.error = { type: "cancelled", message: "cancelled through the API while its worker was reconnecting" };
        engine.finish(job, "cancelled");
        continue;
      }
      engine.fail(job, "worker_lost", { type: "worker_lost", message: `no worker claimed the job within ${ORPHAN_GRACE_MS / 1000} s of the IO engine's restart` });
      engine.dispatch(job.pool);
    }
  }, ORPHAN_GRACE_MS);
}
