/**
 * Rescue: `kill -9` of the node that runs a job until that job has succeeded on another node.
 *
 * One run: three fresh nodes of one cluster (`lease_s` as given, names of their own, so that
 * no run meets a node of an earlier one), a job of `bench.hold` (below) submitted at the first,
 * read until it is running and names its node; then that node's whole process group gets
 * SIGKILL, and the job is read at a surviving node every 5 ms until it has succeeded there.
 *
 * `bench.hold` sleeps through its first attempt (longer than any run) and returns at once on
 * the next, so the time to `succeeded` is the rescue itself (the lease lapsing, a survivor
 * seeing it, the job queued again and claimed) and not the job's own length. The job asks for
 * one retry with no backoff: the retry policy's backoff (1 s by default) is the job's choice,
 * to be added to this figure, not part of the rescue.
 *
 * What gaia guarantees (SPEC §13): a node renews its lease every lease_s / 3, so the killed
 * node's lease runs out between 2/3 · lease_s and lease_s after the kill; "lease_s + 1 s" is
 * that worst case plus one second for a survivor to notice and the job to run elsewhere.
 */
import { api, killNode, startNodes, stopNodes, type ClusterKeys, type Missing, type Node } from "./nodes.ts";

export const HOLD_TASKS = `export const tasks = {
  /** Sleeps through attempt 1 (the node is killed meanwhile); any later attempt returns at once. */
  "bench.hold": async (_payload, ctx) => {
    if (ctx.attempt === 1) await Bun.sleep(120_000);
    return { attempt: ctx.attempt };
  },
};
`;

const POLL_MS = 5;
const RUNNING_TIMEOUT_MS = 30_000;

type JobView = { id: string; state: string; node: string | null; worker: { id: string } | null; attempt?: number; error?: unknown };

export type RescueRun = { killed: string; rescued_by: string | null; taken_back_ms: number; succeeded_ms: number };

/** Reads the job at `node` until `done` says yes; its view then, and when. */
async function until(node: Node, id: string, what: string, timeoutMs: number, done: (j: JobView) => boolean): Promise<{ job: JobView; at: number }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const res = await api<JobView>(node, "GET", `/v1/jobs/${id}`);
    const at = performance.now();
    if (res.status !== 200) throw new Error(`GET /v1/jobs/${id} at ${node.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    if (done(res.body)) return { job: res.body, at };
    if (["failed", "cancelled"].includes(res.body.state)) throw new Error(`job ${id} ended ${res.body.state} while waiting until ${what}: ${JSON.stringify(res.body.error).slice(0, 200)}`);
    if (at > deadline) throw new Error(`job ${id} was not ${what} within ${timeoutMs / 1000} s (last: ${res.body.state} on ${res.body.node})`);
    await Bun.sleep(POLL_MS);
  }
}

/** One kill and rescue on three fresh nodes; `run` makes the nodes' names unique. */
export async function rescueOnce(url: string, leaseS: number, run: number, workers: number): Promise<RescueRun | Missing> {
  const keys = (letter: string): ClusterKeys => ({ url, node: `bench-r${run}-${letter}`, lease_s: leaseS });
  const nodes = await startNodes(["a", "b", "c"].map((l) => ({ workers, cluster: keys(l), modules: { "hold.ts": HOLD_TASKS } })));
  if ("missing" in nodes) return nodes;
  try {
    const submitted = await api<{ id: string; state: string }>(nodes[0]!, "POST", "/v1/jobs", { task: "bench.hold", payload: {}, timeout_s: 300, retries: { max: 1, backoff_s: 0 } });
    if (submitted.status !== 202) throw new Error(`submit at ${nodes[0]!.name}: ${submitted.status} ${JSON.stringify(submitted.body).slice(0, 200)}`);
    const id = submitted.body.id;
    // Begun by a worker there, not only taken: a job taken and never begun would go back to
    // the queue uncounted, and run its first attempt (the long one) again.
    // Begun as the shared journal says: read at a node that does not hold it (the one that
    // does answers from its own engine, a few ms ahead of its write).
    const { job } = await until(nodes[0]!, id, "running on a node", RUNNING_TIMEOUT_MS, (j) => j.state === "running" && !!j.node);
    const victim = nodes.find((n) => n.name === job.node);
    if (!victim) throw new Error(`job ${id} runs on '${job.node}', which is none of ${nodes.map((n) => n.name).join(", ")}`);
    const survivor = nodes.find((n) => n !== victim)!;
    await until(survivor, id, "begun by a worker", RUNNING_TIMEOUT_MS, (j) => j.state === "running" && j.worker !== null);
    const t0 = performance.now();
    killNode(victim);
    const limit = (leaseS + 30) * 1000;
    const back = await until(survivor, id, "taken back from the killed node", limit, (j) => j.node !== victim.name || j.state !== "running");
    const done = await until(survivor, id, "succeeded", limit, (j) => j.state === "succeeded");
    if (done.job.node === victim.name) throw new Error(`job ${id} succeeded on the killed node ${victim.name}`);
    return { killed: victim.name, rescued_by: done.job.node, taken_back_ms: back.at - t0, succeeded_ms: done.at - t0 };
  } finally {
    await stopNodes(nodes); // the victim is dead already: stopNode only reaps it and removes its folder
  }
}
