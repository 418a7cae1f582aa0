/**
 * The supervisor's state as the control API sees it, and its reactions to what the IO
 * engine reports (a worker said hello, asks for a worker to be killed, failed to start).
 */
import type { Config } from "../config/schema.ts";
import type { Child, ExitInfo } from "./child.ts";
import type { IoLink } from "./io-link.ts";
import type { EventBus } from "./events.ts";
import type { LogStore } from "./logs.ts";
import { rssKb } from "../lib/proc.ts";
import { ProcessEvents } from "./process-events.ts";
import type { ProcessTable } from "./table.ts";

export type SupervisorState = "starting" | "running" | "stopping";

type Deps = { config: Config; runId: string; version: string; table: ProcessTable; link: IoLink; logs: LogStore; events: EventBus; controlSocket: string };

export class Supervisor {
  state: SupervisorState = "starting";
  readonly startedAt = Date.now();
  /** Set once the first IO engine is connected; every later IO spawn is a restart. */
  ioBooted = false;
  requestShutdown: (why: string) => void = () => {};

  readonly processEvents: ProcessEvents;

  constructor(readonly deps: Deps) {
    this.processEvents = new ProcessEvents(deps.events);
  }

  childSpawned(child: Child): void {
    this.processEvents.started(child);
    if (child.spec.runtime !== "io" || !this.ioBooted) return;
    // A restarted IO engine: connect again (and tell it whether anyone listens for job
    // events); workers reconnect on their own.
    void this.deps.link.connect(Date.now() + 15_000, () => child.running).then((ok) => {
      if (!ok) return;
      if (this.deps.events.wanted) this.deps.link.notify("events.listen", { on: true });
      this.markReady(child, child.pid);
    });
  }

  markReady(child: Child, pid: number | null): void {
    if (pid !== null && child.markReady(pid)) this.processEvents.ready(child);
  }

  childExited(child: Child, exit: ExitInfo): void {
    this.processEvents.exited(child, exit);
    if (child.spec.runtime === "io") return;
    this.deps.link.notify("worker.exited", { worker_id: child.spec.name, pid: exit.pid, code: exit.code, signal: exit.signal, reason: exit.reason, detail: exit.detail });
  }

  ioEvent(kind: string, data: Record<string, unknown>): void {
    if (kind === "events") return this.relayEvents(data.events);
    // Job and schedule events pass through to the bus as the IO engine named them.
    if (kind.startsWith("job.") || kind.startsWith("schedule.")) return void this.deps.events.publish(kind, data);
    const child = typeof data.worker_id === "string" ? this.deps.table.children.get(data.worker_id) : undefined;
    if (kind === "worker.ready" && child) {
      this.markReady(child, data.pid as number);
      if (this.state === "starting" && this.ready().ok) this.state = "running";
    } else if (kind === "worker.recycle" && child && child.pid === data.pid) {
      // A planned replacement: it is idle, so SIGTERM ends it at once; not a crash.
      void child.stop("recycle", this.deps.config.shutdown.grace_s * 1000);
    } else if (kind === "worker.kill" && child && child.pid === data.pid) {
      // Pinned to a pid: a replacement that took the same worker id is not the one meant.
      void child.stop(String(data.reason), 0);
    } else if (kind === "worker.fatal") {
      const pool = child?.spec.pool ?? (data.pool as string | undefined);
      const health = pool ? this.deps.table.health.get(pool) : undefined;
      if (health) health.lastError = String(data.message);
    }
  }

  /** A batch of job events from one turn of the IO engine (see io/events.ts). */
  private relayEvents(events: unknown): void {
    if (!Array.isArray(events)) return;
    for (const e of events as { kind?: unknown; at?: unknown; data?: unknown }[]) {
      if (typeof e?.kind !== "string" || typeof e.data !== "object" || e.data === null) continue;
      this.deps.events.publish(e.kind, e.data as Record<string, unknown>, typeof e.at === "string" ? e.at : undefined);
    }
  }

  ready(): { ok: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (this.state === "stopping") reasons.push("gaia is shutting down");
    if (!this.deps.link.connected) reasons.push("the IO engine is not connected");
    for (const pool of this.deps.config.pools) {
      const members = [...this.deps.table.children.values()].filter((c) => c.spec.pool === pool.name);
      const ready = members.filter((c) => c.state.kind === "ready").length;
      if (ready < pool.size) reasons.push(`pool ${pool.name}: ${ready}/${pool.size} workers ready`);
    }
    return { ok: reasons.length === 0, reasons };
  }

  /** The supervisor's view of each worker; the IO engine adds job and jobs done. */
  workers() {
    return [...this.deps.table.children.values()]
      .filter((c) => c.spec.runtime !== "io")
      .map((c) => ({
        id: c.spec.name,
        pool: c.spec.pool,
        runtime: c.spec.runtime,
        pid: c.running ? c.pid : null,
        state: c.state.kind,
        restarts: c.restarts,
        rss_kb: c.running && c.pid ? rssKb(c.pid) : null,
        started_at: "since" in c.state ? new Date(c.state.since).toISOString() : null,
        last_exit: c.lastExit,
      }));
  }

  pools() {
    const { table, config } = this.deps;
    return config.pools.map((pool) => {
      const members = [...table.children.values()].filter((c) => c.spec.pool === pool.name);
      return {
        name: pool.name,
        runtime: pool.runtime,
        size: pool.size,
        ready: members.filter((c) => c.state.kind === "ready").length,
        state: table.poolState(pool.name),
        last_error: table.health.get(pool.name)?.lastError ?? null,
      };
    });
  }

  /** A planned replacement: warm stop (the running job may finish), then a fresh worker. */
  restartWorker(id: string): boolean {
    const child = this.deps.table.children.get(id);
    if (!child || child.spec.runtime === "io") return false;
    // The engine first stops giving it work and takes back what it holds, so nothing waits
    // on a worker that is about to exit.
    if (child.pid !== null) this.deps.link.notify("worker.stopping", { worker_id: id, pid: child.pid });
    void child.stop("restart", this.deps.config.shutdown.grace_s * 1000);
    return true;
  }
}
