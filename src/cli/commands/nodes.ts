/**
 * `gaia nodes`: each node of the cluster, its lease, pools, workers and running jobs, from
 * `GET /v1/nodes` (SPEC §8, §13). The node that answered is marked "(this node)". A gaia of
 * one host answers 404 not_clustered, which the CLI's one error funnel prints (exit 2).
 */
import type { ClusterNode, Nodes } from "../../client/index.ts";
import type { Command } from "../command.ts";
import { EXIT } from "../errors.ts";
import { formatDuration } from "../format.ts";
import { print, printJson } from "../output.ts";
import { table, type Column } from "../table.ts";

export const nodes: Command = {
  summary: "each node of the cluster: state, lease, pools, workers, running jobs",
  flags: {},
  positionals: [],
  async run(ctx) {
    const body = await ctx.client().nodes();
    if (ctx.json) await printJson(body);
    else await print(formatNodes(body, Date.now()));
    return EXIT.ok;
  },
};

/** The table; `now` (ms) is this host's clock, which the lease's time left is counted from. */
export function formatNodes(body: Nodes, now: number): string {
  return body.nodes.length ? table(body.nodes, columns(now)) : "no nodes";
}

function columns(now: number): Column<ClusterNode>[] {
  return [
    { header: "name", value: (n) => (n.self ? `${n.name} (this node)` : n.name) },
    { header: "state", value: (n) => n.state },
    { header: "lease", value: (n) => formatLease(n, now) },
    { header: "pools", value: (n) => n.pools.map((p) => `${p.name}:${p.workers}/${p.running}`).join(", ") },
    { header: "workers", value: (n) => n.workers, align: "right" },
    { header: "running", value: (n) => n.running, align: "right" },
  ];
}

/**
 * "12s left" while alive, "lapsed 40s ago" once lapsed. The state is the cluster's verdict
 * and the words follow it; a clock of this host ahead or behind the journal's only clamps the
 * figure at 0, so the two never contradict each other.
 */
export function formatLease(node: Pick<ClusterNode, "state" | "lease_until">, now: number): string {
  const leftS = (Date.parse(node.lease_until) - now) / 1000;
  if (Number.isNaN(leftS)) return "-";
  return node.state === "alive" ? `${formatDuration(Math.max(0, leftS))} left` : `lapsed ${formatDuration(Math.max(0, -leftS))} ago`;
}
