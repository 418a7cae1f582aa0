/**
 * gaia's side of the cluster throughput: `jobs` echo jobs through POST /v1/jobs/batch in
 * chunks of 10,000 (the batch limit), the chunks dealt round-robin to the nodes given (one
 * keep-alive connection each, sent one after the other as bench/gaia-side.ts sends them), from
 * the first chunk sent until every job has succeeded.
 *
 * The end is read with POST /v1/jobs/wait (`all: true`, a chunk's ids at a time, at the node
 * that took the chunk), not with /v1/status's counters as gaia-side.ts does for one host: a
 * job submitted at any node can be waited on at any node (SPEC §13), while what a node's
 * counters count in a cluster (its own jobs, or the cluster's) is not what this measure should
 * depend on. The same method on every side (SQLite, one node, three) keeps them comparable;
 * its cost is the jobs' views in the answers (the core section's figure for SQLite, read from
 * /v1/status, is the one without it).
 */
import { RawHttpClient } from "../http-client.ts";
import type { Node } from "./nodes.ts";

const CHUNK = 10_000;

type WaitAnswer = { jobs: { id: string; state: string; error?: unknown }[]; pending: string[] };

export async function clusterThroughput(nodes: Node[], jobs: number) {
  const clients = await Promise.all(nodes.map((n) => RawHttpClient.connect(n.socket)));
  try {
    const chunks: { at: number; ids: string[] }[] = [];
    const t0 = performance.now();
    for (let sent = 0, k = 0; sent < jobs; sent += CHUNK, k++) {
      const size = Math.min(CHUNK, jobs - sent);
      const body = JSON.stringify({ jobs: Array.from({ length: size }, (_, i) => ({ task: "echo", payload: { i: sent + i } })) });
      const at = k % clients.length;
      const res = await clients[at]!.request("POST", "/v1/jobs/batch", body);
      if (res.status !== 202) throw new Error(`batch refused by ${nodes[at]!.name}: ${res.status} ${res.body.slice(0, 200)}`);
      chunks.push({ at, ids: (JSON.parse(res.body) as { ids: string[] }).ids });
    }
    const submitSeconds = (performance.now() - t0) / 1000;
    for (const chunk of chunks) await untilAllEnded(clients[chunk.at]!, nodes[chunk.at]!.name, chunk.ids);
    const seconds = (performance.now() - t0) / 1000;
    return { jobs, seconds, per_s: jobs / seconds, submit_seconds: submitSeconds };
  } finally {
    for (const c of clients) c.close();
  }
}

/** Waits until every id has ended, and checks that each succeeded. */
async function untilAllEnded(client: RawHttpClient, name: string, ids: string[]): Promise<void> {
  let left = ids;
  while (left.length > 0) {
    const res = await client.request("POST", "/v1/jobs/wait", JSON.stringify({ ids: left, all: true, timeout_s: 60 }));
    if (res.status !== 200) throw new Error(`wait at ${name}: ${res.status} ${res.body.slice(0, 200)}`);
    const answer = JSON.parse(res.body) as WaitAnswer;
    const failed = answer.jobs.find((j) => j.state !== "succeeded");
    if (failed) throw new Error(`job ${failed.id} ended ${failed.state}: ${JSON.stringify(failed.error).slice(0, 200)}`);
    if (answer.pending.length === left.length && answer.jobs.length === 0) throw new Error(`no job of a chunk ended within 60 s at ${name}`);
    left = answer.pending;
  }
}
