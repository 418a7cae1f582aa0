/** The cluster's /metrics families from the nodes' views (pure). */
import { expect, test } from "bun:test";
import { clusterFamilies } from "./cluster-metrics.ts";
import { render } from "./prometheus.ts";

test("each node: up, lease left, and its pools' workers and running jobs", () => {
  const now = Date.parse("2026-12-02T10:00:00Z");
  const node = (name: string, state: "alive" | "lapsed", until: string, running: number) => ({
    name, self: name === "a", state, lease_until: until, renewed_at: until, version: "0.1.0", started_at: null,
    pools: [{ name: "default", workers: 2, running }], workers: 2, running,
  });
  const text = render(clusterFamilies([node("a", "alive", "2026-12-02T10:00:04Z", 1), node("b", "lapsed", "2026-12-02T09:59:30Z", 2)], now));
  expect(text).toContain('gaia_cluster_node_up{node="a"} 1\ngaia_cluster_node_up{node="b"} 0');
  expect(text).toContain('gaia_cluster_node_lease_seconds{node="a"} 4\ngaia_cluster_node_lease_seconds{node="b"} -30');
  expect(text).toContain('gaia_cluster_node_running_jobs{node="b",pool="default"} 2');
  expect(text).toContain('gaia_cluster_node_workers{node="a",pool="default"} 2');
});
