/**
 * What `GET /v1/nodes` and `gaia nodes` show of each node of a cluster (SPEC §13): its
 * lease, and what it said of itself at its last renewal (its pools, workers, running jobs).
 * A node whose lease lapsed is `lapsed`: taken for dead, its running jobs given to others.
 */
export type NodePool = { name: string; workers: number; running: number };

export type NodeView = {
  name: string;
  /** The node that answered. */
  self: boolean;
  state: "alive" | "lapsed";
  lease_until: string;
  renewed_at: string;
  version: string | null;
  started_at: string | null;
  pools: NodePool[];
  workers: number;
  running: number;
};

/** The cluster's nodes, read from the shared journal; null where gaia is one host. */
export interface NodesSource {
  list(): Promise<NodeView[]>;
}
