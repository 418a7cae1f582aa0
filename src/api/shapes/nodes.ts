/**
 * The nodes of a cluster (SPEC §13): `GET /v1/nodes`. Each node as the shared journal holds
 * it: its lease, and what it said of itself at its last renewal. The view is built in
 * src/io/cluster/ (node-view.ts names its type); the route checks that the two agree.
 */
import { z } from "zod";
import { response, Time } from "./registry.ts";

const count = z.number().int().min(0);

const NodePool = z.object({
  name: z.string(),
  workers: count.meta({ description: "the pool's workers on that node" }),
  running: count.meta({ description: "jobs of the pool running on that node" }),
});

const ClusterNode = z.object({
  name: z.string().meta({ description: "the node's name (node.name, else its host name)" }),
  self: z.boolean().meta({ description: "the node that answered" }),
  state: z.enum(["alive", "lapsed"]).meta({ description: "lapsed: its lease ran out, so it is taken for dead and its running jobs were given to others" }),
  lease_until: Time,
  renewed_at: Time,
  version: z.string().nullable(),
  started_at: Time.nullable(),
  pools: z.array(NodePool),
  workers: count,
  running: count,
});

export const Nodes = response("Nodes", z.object({ nodes: z.array(ClusterNode) }), "each node of the cluster: its lease, pools, workers and running jobs");
export type Nodes = z.output<typeof Nodes>;
