/**
 * The cluster families of `GET /metrics` (SPEC §13), pure, from the nodes as the shared
 * journal shows them (every node answers for all, so one scrape sees the cluster):
 *   gaia_cluster_node_up{node}                 1 while the node's lease holds
 *   gaia_cluster_node_lease_seconds{node}      seconds left on its lease (negative: lapsed that long)
 *   gaia_cluster_node_workers{node,pool}       workers connected, at its last renewal
 *   gaia_cluster_node_running_jobs{node,pool}  jobs running there, at its last renewal
 */
import type { NodeView } from "../io/cluster/node-view.ts";
import type { Family } from "./prometheus.ts";

export function clusterFamilies(nodes: NodeView[], now: number): Family[] {
  const perPool = (pick: (p: NodeView["pools"][number]) => number) =>
    nodes.flatMap((n) => n.pools.map((p) => ({ labels: { node: n.name, pool: p.name }, value: pick(p) })));
  return [
    { name: "gaia_cluster_node_up", help: "1 while the cluster node's lease holds, 0 once it lapsed.", type: "gauge", samples: nodes.map((n) => ({ labels: { node: n.name }, value: n.state === "alive" ? 1 : 0 })) },
    {
      name: "gaia_cluster_node_lease_seconds", help: "Seconds left on the cluster node's lease; negative: lapsed that long ago.", type: "gauge",
      samples: nodes.map((n) => ({ labels: { node: n.name }, value: (Date.parse(n.lease_until) - now) / 1000 })),
    },
    { name: "gaia_cluster_node_workers", help: "Workers connected at the cluster node, by pool, at its last lease renewal.", type: "gauge", samples: perPool((p) => p.workers) },
    { name: "gaia_cluster_node_running_jobs", help: "Jobs running at the cluster node, by pool, at its last lease renewal.", type: "gauge", samples: perPool((p) => p.running) },
  ];
}
