/**
 * The IO engine process (`gaia __io --state FILE`): the control API and everything behind it
 * (journal, queues, dispatch, timeouts, retries, schedules, arrays, events), serving workers
 * and the supervisor on io.sock and the API on gaia.sock.
 *
 * Boot: read the boot file → open the journal → build the parts in the order they need
 * each other → take over the journal's unfinished jobs (adopt.ts) → listen on io.sock →
 * serve the API → run until stdin closes (the supervisor is gone) or SIGTERM.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import { exitOnStdinEof } from "../lib/stdin-eof.ts";
import { filesystemBytes, resolveMaxBytes } from "../arrays/files.ts";
import { serveApi } from "../api/server.ts";
import { createApp } from "../api/app.ts";
import { ArrayOps } from "./array-ops.ts";
import { ArrayStore } from "./array-store.ts";
import { adoptionPlan } from "./dispatch/adopt.ts";
import { Drain } from "./dispatch/drain.ts";
import { Engine } from "./dispatch/engine.ts";
import { Roster } from "./dispatch/roster.ts";
import { EventBus, RING_EVENTS } from "./events/bus.ts";
import { EventStore } from "./events/store.ts";
import { JobLogs } from "./job-logs.ts";
import { Journal } from "./journal.ts";
import { Ledger } from "./ledger.ts";
import { Ops } from "./ops.ts";
import { ScheduleOps } from "./schedules/ops.ts";
import { Scheduler } from "./schedules/scheduler.ts";
import { ScheduleStore } from "./schedules/store.ts";
import { IoServer } from "./server.ts";
import { GpuState } from "./gpus.ts";
import { SupervisorLink } from "./supervisor-link.ts";
import { PipelineHost } from "./pipelines/host.ts";
import { selfCommand } from "../lib/self-command.ts";
import { Views } from "./views.ts";
import { clusterOf } from "../config/cluster.ts";
import { ClusterNode, nodeDataDir } from "./cluster/node.ts";
import { wireSupervisor } from "./wiring.ts";

/** Purge at least every minute, and often enough that a short result_ttl_s is kept. */
const purgeEveryMs = (ttlS: number) => Math.min(60_000, Math.max(1000, (ttlS * 1000) / 2));

/**
 * What the supervisor hands its IO engine, in a file only its owner can read. `instance`
 * names this run of gaia in array file names (src/arrays/names.ts); `secret` is the run's.
 */
export type IoBoot = {
  config: Config;
  runDir: string;
  dataDir: string;
  instance: string;
  runId: string;
  secret: string;
  version: string;
  controlSocket: string;
  /** The fd of the control socket the supervisor made and passed on, if it did. */
  controlFd: number | null;
  /** The TCP listener's bearer token (control.listen). */
  tokenFile: string;
};

export async function runIoEngine(argv: string[]): Promise<void> {
  const stateFile = argv[argv.indexOf("--state") + 1];
  if (!stateFile) throw new Error("usage: gaia __io --state FILE");
  const boot = JSON.parse(readFileSync(stateFile, "utf8")) as IoBoot;
  const { config } = boot;
  const log = (line: string) => console.error(line);

  // A node of a cluster (SPEC §13): the shared journal first; one that cannot be reached is
  // a clear error (the supervisor checked it too at `gaia start`, which exits 2 for it).
  const cluster = clusterOf(config).url ? await ClusterNode.open(config, boot.version, boot.instance, log) : null;
  const journal = new Journal(cluster ? nodeDataDir(boot.dataDir) : boot.dataDir);
  cluster?.reconcile(journal);
  const bus = new EventBus(new EventStore(journal.db, RING_EVENTS), () => journal.requestFlush(true));
  journal.addParticipant(bus);
  const { dir, max_bytes, ttl_s } = config.arrays;
  const arrays = new ArrayStore(journal.db, { dir, maxBytes: resolveMaxBytes(max_bytes, filesystemBytes(dir)), ttlS: ttl_s, instance: boot.instance }, log);
  const ledger = new Ledger(journal, bus);
  const announced = new Map<string, ReadonlySet<string>>([...journal.poolTasks()].map(([pool, tasks]) => [pool, new Set(tasks)]));
  const supervisor = new SupervisorLink();
  const gpus = new GpuState();
  const engine = new Engine(config, journal, arrays, ledger, {
    killWorker: (worker_id, pid, reason) => supervisor.notify({ kind: "worker.kill", worker_id, pid, reason, detail: null }),
    recycleWorker: (worker_id, pid) => supervisor.notify({ kind: "worker.recycle", worker_id, pid }),
    gpus,
    log,
    // A node gives a retry back to the shared queue, for any node to take after its wait.
    release: cluster ? (job) => cluster.release(job) : undefined,
  });
  const roster = new Roster(engine, {
    announce(worker, spare) {
      if (!spare) rememberTasks(journal, announced, worker.pool, worker.tasks);
      supervisor.notify({ kind: "worker.ready", worker_id: worker.id, pool: worker.pool, pid: worker.pid, spare });
    },
    log,
  });
  const drain = new Drain(engine, roster);
  const ops = new Ops(engine, () => announced);
  const clusterOps = cluster?.attach({ engine, ledger, ops, bus }) ?? null;
  const liveState = (id: string) => engine.active.get(id)?.state;
  const scheduler = new Scheduler(new ScheduleStore(journal.database), {
    submit: (body, schedule, due) => (clusterOps ? clusterOps.admitScheduled(body, schedule, due) : ops.admit([body], schedule)),
    liveState,
    draining: () => engine.draining,
    epochGrid: cluster !== null,
    notify: (kind, data) => void bus.stage(kind, data),
    log,
  });
  engine.onEnded((job) => job.schedule && scheduler.jobEnded(job));
  const jobLogs = new JobLogs(journal.db);
  engine.onEnded((job) => jobLogs.ended(job.id));
  const server = new IoServer({
    secret: boot.secret, engine, roster, supervisor, log,
    jobLog: (_worker, lines) => engine.active.has(lines.id) && jobLogs.add(lines),
    fatal: (worker_id, pool, message) => supervisor.notify({ kind: "worker.fatal", worker_id, pool, message }),
  });

  adopt(engine, roster);
  // After adoption: a schedule whose last job is still queued or running must see it in flight.
  scheduler.start(config.schedules);
  server.listen(join(boot.runDir, "io.sock"));
  const views = new Views({ config, runId: boot.runId, version: boot.version, engine, roster, supervisor, gpus, notReady: () => cluster?.readyReasons() ?? [] });
  const schedules = new ScheduleOps({ scheduler, liveState, poolOrder: config.pools.map((p) => p.name), announced: () => announced });
  const pipelines = new PipelineHost({
    config, runDir: boot.runDir, instance: boot.instance, secret: boot.secret, selfCommand: selfCommand(),
    pythonPackage: join(boot.runDir, "python"), db: journal.db, supervisor, bus, log,
  });
  wireSupervisor({ supervisor, bus, roster, gpus, drain, pipelines, log });
  const token = config.control.listen ? readFileSync(boot.tokenFile, "utf8").trim() : null;
  const app = createApp({
    engine, ops: clusterOps ?? ops, jobLogs, arrays: new ArrayOps(arrays, (name) => cluster?.arrays.holderOf(name) ?? null), schedules, bus, supervisor, views, pipelines, nodes: cluster, log,
    maxBodyBytes: Math.round(config.control.max_body_mb * 1024 * 1024), token, metricsPublic: config.control.metrics_public,
  });
  await serveApi(app, boot, log);
  keepTidy(engine, arrays, config, cluster);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // The cluster first: its last writes come from the engine's jobs, and may stage events.
    await cluster?.close();
    journal.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", () => {}); // a terminal's Ctrl-C reaches the whole group; the supervisor decides
  exitOnStdinEof(stop);
}

/** Announcements are kept in the journal, so a restarted engine routes at once. */
function rememberTasks(journal: Journal, announced: Map<string, ReadonlySet<string>>, pool: string, tasks: ReadonlySet<string>): void {
  const known = announced.get(pool);
  if (known && known.size === tasks.size && [...tasks].every((t) => known.has(t))) return;
  announced.set(pool, tasks);
  journal.savePoolTasks(pool, [...tasks].sort());
}

/** The journal's unfinished jobs: failed (an input is gone), queued again, or awaiting their worker. */
function adopt(engine: Engine, roster: Roster): void {
  const plan = adoptionPlan(engine.journal.active(), (name) => engine.arrays.get(name) !== null);
  for (const { job, error } of plan.lost) {
    job.error = error;
    engine.active.set(job.id, job);
    engine.finish(job, "failed");
  }
  for (const job of [...plan.queued, ...plan.orphans]) engine.arrays.hold(job.arrays);
  for (const job of plan.queued) engine.enqueue(job);
  roster.adoptOrphans(plan.orphans);
}

/** Purges finished jobs past result_ttl_s; expires unheld arrays and collects strays. */
function keepTidy(engine: Engine, arrays: ArrayStore, config: Config, cluster: ClusterNode | null): void {
  const purge = () => {
    const before = Date.now() - config.queue.result_ttl_s * 1000;
    engine.purge(before);
    void cluster?.purge(before);
  };
  purge();
  setInterval(purge, purgeEveryMs(config.queue.result_ttl_s));
  setInterval(() => {
    arrays.expire(Date.now());
    arrays.collectStrays((id) => engine.active.has(id));
  }, purgeEveryMs(config.arrays.ttl_s));
}
