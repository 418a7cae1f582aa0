/**
 * The supervisor's state as the control API sees it, and its reactions to what the IO
 * engine reports (a worker said hello, asks for a worker to be killed, failed to start).
 */
import type { Config } from "../config/schema.ts";
import type { Child, ExitInfo } from "./child.ts";
import type { IoLink } from "./io-link.ts";
import type { LogStore } from "./logs.ts";
import { rssKb } from "../lib/proc.ts";
import type { ProcessTable } from "./table.ts";

export type SupervisorState = "starting" | "running" | "stopping";

type Deps = { config: Config; runId: string; version: string; table: ProcessTable; link: IoLink; logs: LogStore; controlSocket: string };

export class Supervisor {
  state: SupervisorState = "starting";
  readonly startedAt = Date.now();
  /** Set once the first IO engine is connected; every later IO spawn is a restart. */
  ioBooted = false;
  requestShutdown: (why: string) => void = () => {};

  constructor(readonly deps: Deps) {}

  childSpawned(child: Child): void {
    if (child.spec.runtime !== "io" || !this.ioBooted) return;
    // A restarted IO engine: connect again; workers reconnect on their own.
    void this.deps.link.connect(Date.now() + 15_000, () => child.running).then((ok) => ok && child.pid && child.markReady(child.pid));
  }

  childExited(child: Child, exit: ExitInfo): void {
    if (child.spec.runtime === "io") return;
    this.deps.link.notify("worker.exited", { worker_id: child.spec.name, pid: exit.pid, code: exit.code, signal: exit.signal, reason: exit.reason, detail: exit.detail });
  }

  ioEvent(kind: string, data: Record<string, unknown>): void {
    const child = typeof data.worker_id === "string" ? this.deps.table.children.get(data.worker_id) : undefined;
    if (kind === "worker.ready" && child) {
      child.markReady(data.pid as number);
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
