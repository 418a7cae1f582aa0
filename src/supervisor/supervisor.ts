/**
 * The supervisor's state and its reactions: to what the IO engine tells it (a worker said
 * hello, kill this pid, recycle that one, a worker could not start) and to what the engine
 * asks of it (the process table, restarts, shutdown). It does no job work.
 *
 * Its phase is one union: `starting` until every pool is first ready, `running`, then
 * `stopping` once shutdown began (`skipped` once a second signal cut the grace short).
 */
import type { Config } from "../config/schema.ts";
import type { CallResult, LinkEvent, PoolView, ProcessView } from "../protocol/link-messages.ts";
import { CallRefusal } from "../protocol/calls.ts";
import { rssKb } from "../lib/proc.ts";
import type { Child } from "./child.ts";
import type { IoLink } from "./link.ts";
import type { LogStore } from "./logs.ts";
import type { ProcessEvents } from "./process-events.ts";
import type { ProcessTable } from "./table.ts";

export type SupervisorPhase = { kind: "starting" } | { kind: "running" } | { kind: "stopping"; skipped: boolean };

type Deps = { config: Config; table: ProcessTable; logs: LogStore; events: ProcessEvents; link: IoLink };

/** How long a pool restart waits for each new worker to be ready before going on. */
const POOL_RESTART_READY_MS = 30_000;

export class Supervisor {
  phase: SupervisorPhase = { kind: "starting" };
  readonly startedAt = Date.now();

  constructor(private readonly deps: Deps) {}

  /** What the IO engine reports. */
  ioEvent(event: LinkEvent): void {
    const child = "worker_id" in event && event.worker_id !== null ? this.deps.table.children.get(event.worker_id) : undefined;
    switch (event.kind) {
      case "worker.ready":
        if (child) this.markReady(child, event.pid);
        if (this.phase.kind === "starting" && this.allReady()) this.phase = { kind: "running" };
        return;
      case "worker.recycle":
        // A planned replacement: it is idle, so SIGTERM ends it at once; not a crash.
        if (child && child.pid === event.pid) void child.stop("recycle", this.deps.config.shutdown.grace_s * 1000);
        return;
      case "worker.kill":
        // Pinned to a pid: a replacement that took the same worker id is not the one meant.
        if (child && child.pid === event.pid) void child.stop(event.reason, 0, event.detail);
        return;
      case "worker.fatal": {
        const pool = child?.spec.pool ?? event.pool;
        const health = pool ? this.deps.table.health.get(pool) : undefined;
        if (health) health.lastError = event.message;
        return;
      }
      default:
        this.deps.logs.write("supervisor", `ignoring a '${event.kind}' event from the IO engine: it is one the supervisor sends`, "error");
    }
  }

  markReady(child: Child, pid: number | null): void {
    if (pid !== null && child.markReady(pid)) this.deps.events.ready(child);
  }

  private allReady(): boolean {
    return this.deps.config.pools.every((pool) => this.deps.table.members(pool.name).every((c) => c.state.kind === "ready"));
  }

  /** The `processes` call: every child as the engine's views show it. */
  processes(): CallResult<"processes"> {
    const { table } = this.deps;
    const processes: ProcessView[] = [...table.children.values()].map((c) => ({
      name: c.spec.name,
      pool: c.spec.pool,
      runtime: c.spec.runtime,
      pid: c.running ? c.pid : null,
      state: c.state.kind,
      restarts: c.restarts,
      restarts_by_reason: Object.fromEntries(this.deps.events.restarts.get(c.spec.name) ?? []),
      started_at: "since" in c.state ? new Date(c.state.since).toISOString() : null,
      last_exit: c.lastExit,
      rss_kb: c.running && c.pid ? rssKb(c.pid) : null,
      spare: c.spec.spare,
    }));
    const pools: PoolView[] = this.deps.config.pools.map((pool) => ({
      name: pool.name,
      runtime: pool.runtime,
      size: pool.size,
      spares: pool.spares,
      ready: table.members(pool.name).filter((c) => c.state.kind === "ready").length,
      state: table.poolState(pool.name),
      last_error: table.health.get(pool.name)?.lastError ?? null,
    }));
    const state = this.phase.kind;
    return { processes, pools, supervisor: { pid: process.pid, started_at: this.startedAt, state } };
  }

  /** A planned replacement: warm stop (the running job may finish), then a fresh worker. */
  restartWorker(id: string): { id: string } {
    const child = this.deps.table.children.get(id);
    if (!child || child.spec.runtime === "io" || child.spec.runtime === "node") throw new CallRefusal("not_found", `no worker '${id}'; see GET /v1/workers`);
    // The engine first stops giving it work and takes back what it holds, so nothing waits
    // on a worker that is about to exit.
    if (child.pid !== null) this.deps.link.notify({ kind: "worker.stopping", worker_id: id, pid: child.pid });
    void child.stop("restart", this.deps.config.shutdown.grace_s * 1000);
    return { id };
  }

  /** Every worker of the pool, one at a time: each new one is ready before the next goes. */
  restartPool(name: string): { pool: string; workers: string[] } {
    if (!this.deps.config.pools.some((p) => p.name === name)) throw new CallRefusal("not_found", `no pool '${name}'; see GET /v1/status`);
    const workers = this.deps.table.members(name);
    void (async () => {
      for (const child of workers) {
        if (this.phase.kind === "stopping") return;
        this.restartWorker(child.spec.name);
        const deadline = Date.now() + POOL_RESTART_READY_MS;
        await Bun.sleep(20);
        while (child.state.kind !== "ready" && Date.now() < deadline) await Bun.sleep(20);
      }
    })();
    return { pool: name, workers: workers.map((c) => c.spec.name) };
  }
}
