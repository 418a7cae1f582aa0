/**
 * The cluster's nodes (GET /v1/nodes, SPEC §13): each node's state, its lease (the time left,
 * or how long ago it lapsed), its pools with their workers and running jobs, and what it runs
 * in all; the node that served the page is tagged. A gaia of one host answers 404 and the
 * panel stays hidden (dashboard.ts).
 */
import { h, pill, table } from "../dom.ts";
import { ago, lease } from "../format.ts";
import type { ClusterNode } from "../types.ts";

export function renderNodes(body: HTMLElement, nodes: ClusterNode[], now = Date.now()): void {
  body.replaceChildren(
    table<ClusterNode>(
      [
        { title: "node", cell: (n) => (n.self ? h("span", null, n.name, " ", h("span", { class: "tag", title: "the node that served this page" }, "this node")) : n.name) },
        { title: "state", cell: (n) => pill(n.state) },
        { title: "lease", cell: (n) => h("span", { title: `until ${n.lease_until}, renewed ${n.renewed_at}` }, lease(n, now)) },
        { title: "pools", cell: (n) => (n.pools.length ? h("span", { title: "pool workers/running" }, n.pools.map((p) => `${p.name} ${p.workers}/${p.running}`).join(", ")) : "-") },
        { title: "workers", cell: (n) => n.workers, class: "num" },
        { title: "running", cell: (n) => n.running, class: "num" },
        { title: "version", cell: (n) => n.version ?? "-" },
        { title: "started", cell: (n) => (n.started_at ? h("span", { title: n.started_at }, ago(n.started_at, now)) : "-") },
      ],
      nodes,
      "no nodes",
      (n) => ({ node: n.name, state: n.state }),
    ),
  );
}
