/**
 * The cluster's nodes (SPEC §13): `GET /v1/nodes`, each node's lease, pools, workers and
 * running jobs, read from the shared journal. A gaia of one host has no source and says how
 * to make it a node; a journal that does not answer is a 503 to retry, not a bug.
 */
import type { Hono } from "hono";
import type { NodesSource, NodeView } from "../io/cluster/node-view.ts";
import { ApiError } from "./errors.ts";
import type { Nodes } from "./shapes/nodes.ts";

export const NOT_CLUSTERED = "this gaia is one host, not a node of a cluster: set cluster.url (or GAIA_CLUSTER_URL) to a PostgreSQL URL to make it one";

export function registerNodeRoutes(app: Hono, nodes: NodesSource | null): void {
  app.get("/v1/nodes", async function listNodes(c) {
    if (!nodes) throw new ApiError(404, "not_clustered", NOT_CLUSTERED);
    // Typed with the schema's output, so the io side's NodeView cannot drift from the document.
    const body: Nodes = { nodes: await read(nodes) };
    return c.json(body);
  });
}

async function read(source: NodesSource): Promise<NodeView[]> {
  try {
    return await source.list();
  } catch (err) {
    if (err instanceof ApiError) throw err; // the source's own refusal says more
    throw new ApiError(503, "cluster_unavailable", `cannot read the cluster's nodes: ${(err as Error)?.message ?? err}`, 1);
  }
}
