/**
 * GET /v1/nodes through the whole app (its error funnel and token check), with stand-in
 * sources: the nodes as the source lists them; 404 not_clustered on a gaia of one host; 503
 * cluster_unavailable with Retry-After when the shared journal does not answer; 401 on TCP
 * without the token. The real binary's one-host answer is in test/nodes-one-host.test.ts.
 */
import { describe, expect, test } from "bun:test";
import type { NodesSource, NodeView } from "../io/cluster/node-view.ts";
import { createApp, type ApiDeps } from "./app.ts";
import { Nodes } from "./shapes/nodes.ts";

const NODE: NodeView = {
  name: "gpu-a", self: true, state: "alive", lease_until: "2026-12-02T10:00:12.000Z", renewed_at: "2026-12-02T10:00:02.000Z",
  version: "0.1.0", started_at: "2026-12-02T09:00:00.000Z", pools: [{ name: "default", workers: 2, running: 1 }], workers: 2, running: 1,
};

// Only the nodes route is called; the other routes close over deps they never reach here.
function appWith(nodes: NodesSource | null) {
  return createApp({ nodes, token: "secret", metricsPublic: false, maxBodyBytes: 1024, log() {} } as unknown as ApiDeps);
}
const get = (nodes: NodesSource | null, env = { transport: "unix" }, headers: Record<string, string> = {}) =>
  appWith(nodes).request("/v1/nodes", { headers }, env);

describe("GET /v1/nodes", () => {
  test("answers the source's nodes, in the documented shape", async () => {
    const res = await get({ list: async () => [NODE] });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ nodes: [NODE] });
    expect(Nodes.safeParse(body).success).toBe(true);
  });

  test("a gaia of one host says so, and how to make it a node: 404 not_clustered", async () => {
    const res = await get(null);
    expect(res.status).toBe(404);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("not_clustered");
    expect(error.message).toContain("one host");
    expect(error.message).toContain("cluster.url");
  });

  test("a source that throws (the database unreachable) is 503 cluster_unavailable, retry after 1 s", async () => {
    const res = await get({ list: () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.5:5432")) });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toEqual({ error: { code: "cluster_unavailable", message: "cannot read the cluster's nodes: connect ECONNREFUSED 10.0.0.5:5432" } });
  });

  test("on TCP it needs the token, as every /v1 route", async () => {
    const source = { list: async () => [NODE] };
    expect((await get(source, { transport: "tcp" })).status).toBe(401);
    expect((await get(source, { transport: "tcp" }, { authorization: "Bearer secret" })).status).toBe(200);
  });
});
