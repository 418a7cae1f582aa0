/**
 * What the API shows of the running system, built in the IO engine from its own state and
 * the supervisor's (its process table, over the link): readiness, status, workers.
 */
import { hostname } from "node:os";
import type { Config } from "../config/schema.ts";
import type { CallResult, ProcessView } from "../protocol/link-messages.ts";
import { socketBytes } from "../protocol/connection.ts";
import type { Engine } from "./dispatch/engine.ts";
import type { Roster } from "./dispatch/roster.ts";
import type { SupervisorLink } from "./supervisor-link.ts";
import { currentJob, type WorkerEntry } from "./dispatch/worker.ts";
import { rssKb } from "../lib/proc.ts";
import { gpusBody, gpuStatus } from "./gpu-views.ts";
import type { GpuState } from "./gpus.ts";
// Typed with the API's schemas (the document is generated from them), so neither can drift.
import type { EngineHealth, EngineStatus, Worker } from "../api/shapes/system.ts";

export type ViewDeps = {
  config: Config; runId: string; version: string; engine: Engine; roster: Roster; supervisor: SupervisorLink; gpus: GpuState;
  /** Reasons from beyond this host (a cluster node's lease and writes, cluster/node.ts). */
  notReady?: () => string[];
};

type Processes = CallResult<"processes">;

export class Views {
  private readonly startedAt = Date.now();

  constructor(private readonly deps: ViewDeps) {}

  health(): EngineHealth {
    return { status: "ok", pid: process.ppid, run_id: this.deps.runId, io_pid: process.pid };
  }

  /** SPEC §1: ready when this engine serves and every pool has its configured workers connected. */
  ready(): { ok: boolean; reasons: string[] } {
    const { engine, config } = this.deps;
    const reasons: string[] = [];
    if (engine.draining) reasons.push("gaia is shutting down");
    if (!this.deps.supervisor.connected) reasons.push("the supervisor is not connected to the IO engine");
    reasons.push(...(this.deps.notReady?.() ?? []));
    for (const pool of config.pools) {
      const ready = engine.pools.get(pool.name)?.members.size ?? 0;
      if (ready < pool.size) reasons.push(`pool ${pool.name}: ${ready}/${pool.size} workers ready`);
    }
    return { ok: reasons.length === 0, reasons };
  }

  /** The supervisor's process table, or null when it does not answer. */
  async processes(): Promise<Processes | null> {
    const answer = await this.deps.supervisor.call("processes", {});
    return answer.ok ? answer.value : null;
  }

  async status(): Promise<EngineStatus> {
    const { engine, config } = this.deps;
    const sup = await this.processes();
    const arrays = engine.arrays;
    const io = sup?.processes.find((p) => p.runtime === "io");
    return {
      version: this.deps.version,
      run_id: this.deps.runId,
      node: hostname(),
      pid: sup?.supervisor.pid ?? process.ppid,
      uptime_s: Math.round((Date.now() - (sup?.supervisor.started_at ?? this.startedAt)) / 1000),
      state: engine.draining ? "stopping" : (sup?.supervisor.state ?? "running"),
      io: { state: "ok", pid: process.pid, uptime_s: Math.round((Date.now() - this.startedAt) / 1000), restarts: io?.restarts ?? 0, last_error: null, last_exit: io?.last_exit ?? null },
      pools: config.pools.map((pool) => {
        const seen = sup?.pools.find((p) => p.name === pool.name);
        const queue = engine.pools.get(pool.name);
        return {
          name: pool.name, runtime: pool.runtime, size: pool.size, spares: pool.spares,
          ready: queue?.members.size ?? 0, spares_ready: queue?.spares.size ?? 0,
          state: seen?.state ?? "starting", last_error: seen?.last_error ?? null, queued: queue?.waiting ?? 0,
        };
      }),
      jobs: { ...engine.ledger.counts },
      arrays: { count: arrays.count, bytes: arrays.usedBytes, spare_bytes: arrays.spares.bytes, max_bytes: arrays.settings.maxBytes, dir: arrays.settings.dir },
      io_socket: { ...socketBytes },
      gpus: gpuStatus(this.deps.gpus.sample),
    };
  }

  gpuSample() {
    return this.deps.gpus.sample;
  }

  gpuOwners() {
    return this.deps.gpus.owners(this.deps.roster);
  }

  /** `GET /v1/gpus`: every device of the last sample, each process named by its worker. */
  gpus() {
    return gpusBody(this.deps.gpus.sample, this.deps.gpus.owners(this.deps.roster));
  }

  /** Every worker process (spares marked), with what the engine knows of its work. */
  async workers(): Promise<Worker[]> {
    const sup = await this.processes();
    const byPid = new Map<number, WorkerEntry>();
    for (const w of this.deps.roster.workers.values()) byPid.set(w.pid, w);
    for (const pool of this.deps.engine.pools.values()) for (const spare of pool.spares.values()) byPid.set(spare.pid, spare);
    const processes: ProcessView[] = sup?.processes.filter((p) => p.runtime !== "io" && p.runtime !== "node") ?? [];
    return processes.map((p) => {
      const seen = p.pid !== null ? byPid.get(p.pid) : undefined;
      const state = p.state === "ready" && seen ? seen.state.kind : p.state;
      return {
        id: p.name, pool: p.pool, runtime: p.runtime, pid: p.pid, state, spare: p.spare,
        job: seen ? (currentJob(seen)?.id ?? null) : null, jobs_done: seen?.jobsDone ?? null, gpus: seen ? [...seen.gpus] : [],
        restarts: p.restarts, rss_kb: p.pid !== null ? (p.rss_kb ?? rssKb(p.pid)) : null,
        started_at: p.started_at, last_exit: p.last_exit,
      };
    });
  }
}
