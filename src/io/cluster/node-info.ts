/**
 * What a node says of itself at each lease renewal, and how `GET /v1/nodes` shows the
 * leases it reads (node-view.ts). Pure, from the engine's pools and the leases' rows.
 */
import type { Config } from "../../config/schema.ts";
import type { Engine } from "../dispatch/engine.ts";
import type { NodeLease } from "../journal/interface.ts";
import type { NodePool, NodeView } from "./node-view.ts";

export type NodeInfo = { version: string; started_at: string; instance: string; pools: NodePool[]; workers: number; running: number };

export function nodeInfo(config: Config, engine: Engine | undefined, own: { version: string; started_at: string; instance: string }): NodeInfo {
  const pools: NodePool[] = config.pools.map((pool) => {
    let running = 0;
    if (engine) for (const job of engine.active.values()) if (job.pool === pool.name && job.state === "running") running++;
    return { name: pool.name, workers: engine?.pools.get(pool.name)?.members.size ?? 0, running };
  });
  return { ...own, pools, workers: pools.reduce((n, p) => n + p.workers, 0), running: pools.reduce((n, p) => n + p.running, 0) };
}

export function nodeView(lease: NodeLease, self: string, now: number): NodeView {
  const info = (lease.info ?? {}) as Partial<NodeInfo>;
  return {
    name: lease.name, self: lease.name === self, state: lease.lease_until >= now ? "alive" : "lapsed",
    lease_until: new Date(lease.lease_until).toISOString(), renewed_at: new Date(lease.renewed_at).toISOString(),
    version: info.version ?? null, started_at: info.started_at ?? null, pools: info.pools ?? [],
    workers: info.workers ?? 0, running: info.running ?? 0,
  };
}
