/**
 * A cluster of gaia nodes on one PostgreSQL (SPEC §13), here on one host: the real binary,
 * a real server the suite starts (test/helpers/postgres.ts). What network namespaces add
 * (a node cut off) is in cluster-netns.test.ts.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { resolve } from "node:path";
import { Gaia } from "./helpers/gaia.ts";
import { SseStream } from "./helpers/sse.ts";
import { startPostgres, type PgServer } from "./helpers/postgres.ts";

let pg: PgServer;
const started: Gaia[] = [];

beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const g of started) await g.stop();
  await pg?.stop();
}, 60_000);

const arrayTasks = resolve(import.meta.dir, "fixtures/array_tasks.ts");

async function node(name: string, extra: Record<string, unknown> = {}): Promise<Gaia> {
  const pools = [{ name: "default", size: 2, modules: [arrayTasks] }];
  const g = await Gaia.start({ config: { pools, cluster: { url: pg.url, node: name, lease_s: 3 }, ...extra } });
  started.push(g);
  return g;
}

test("jobs submitted at one node run on both; any node reads, waits for, lists and cancels any job", async () => {
  const a = await node("a");
  const b = await node("b");
  const ids: string[] = (await a.request("POST", "/v1/jobs/batch", { jobs: Array.from({ length: 200 }, (_, i) => ({ task: "sleep", payload: { ms: 10, i } })) })).body.ids;
  expect(ids).toHaveLength(200);
  const waited = await b.request("POST", "/v1/jobs/wait", { ids, timeout_s: 30, all: true });
  expect(waited.status).toBe(200);
  expect(waited.body.pending).toEqual([]);
  const nodes = new Set(waited.body.jobs.map((j: { node: string }) => j.node));
  expect(waited.body.jobs.every((j: { state: string }) => j.state === "succeeded")).toBe(true);
  expect([...nodes].sort()).toEqual(["a", "b"]);

  const one = await b.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: { hi: 1 } });
  expect(one.status).toBe(200);
  expect(one.body.result).toEqual({ hi: 1 });
  const read = await a.request("GET", `/v1/jobs/${one.body.id}`);
  expect(read.body).toMatchObject({ id: one.body.id, state: "succeeded", result: { hi: 1 } });

  const listed = await a.request("GET", "/v1/jobs?limit=1000");
  expect(listed.body.jobs.length).toBe(201);

  // A long job, cancelled at the node that does not run it.
  const long = (await a.request("POST", "/v1/jobs", { task: "sleep", payload: { ms: 60_000 } })).body.id;
  const running = await a.until("the long job running", async () => {
    const j = (await a.request("GET", `/v1/jobs/${long}`)).body;
    return j.state === "running" && j.node ? j : null;
  });
  const other = running.node === "a" ? b : a;
  const cancelled = await other.request("DELETE", `/v1/jobs/${long}`);
  expect([200, 202]).toContain(cancelled.status);
  const ended = await other.request("GET", `/v1/jobs/${long}?wait=10`);
  expect(ended.body.state).toBe("cancelled");

  const seen = await a.request("GET", "/v1/nodes");
  expect(seen.status).toBe(200);
  expect(seen.body.nodes.map((n: { name: string; state: string }) => [n.name, n.state])).toEqual([["a", "alive"], ["b", "alive"]]);
  // What b said of itself at a renewal after its workers connected (every lease_s / 3).
  const metrics = await a.until("b's workers in a's /metrics", async () => {
    const text = (await a.request("GET", "/metrics")).body as string;
    return text.includes('gaia_cluster_node_workers{node="b",pool="default"} 2') ? text : null;
  });
  expect(metrics).toContain('gaia_cluster_node_up{node="a"} 1\ngaia_cluster_node_up{node="b"} 1');
}, 120_000);

test("an idempotency key is the cluster's: the same key at two nodes is one job", async () => {
  const [a, b] = started;
  const first = await a!.request("POST", "/v1/jobs", { task: "echo", payload: 1, idempotency_key: "cluster-key" });
  const second = await b!.request("POST", "/v1/jobs", { task: "echo", payload: 2, idempotency_key: "cluster-key" });
  expect(second.body.id).toBe(first.body.id);
}, 60_000);

test("arrays stay on their node: a job naming one runs there, a download elsewhere is 409 array_elsewhere naming it", async () => {
  const [a, b] = started;
  const made = await a!.request("POST", "/v1/arrays?dtype=float64&shape=3", new Uint8Array(new Float64Array([1, 2, 3.5]).buffer));
  expect(made.status).toBe(201);
  const name = made.body.name as string;
  // b learns where arrays are from the nodes' leases (renewed each second here).
  const elsewhere = await b!.until("b to know a's arrays", async () => {
    const res = await b!.request("GET", `/v1/arrays/${name}`);
    return res.status === 409 ? res : null;
  });
  expect(elsewhere.body.error).toEqual({ code: "array_elsewhere", message: `array '${name}' is in the shared memory of node a: ask that node for it` });
  for (let i = 0; i < 6; i++) {
    const job = await b!.request("POST", "/v1/jobs?wait=10", { task: "arr.ends", arrays: { v: name } });
    expect(job.body).toMatchObject({ state: "succeeded", result: { v: 4.5 }, node: "a" });
  }
}, 60_000);

test("a node that stops cleanly hands back the jobs it took and had not started, their attempt not counted", async () => {
  const [a] = started;
  const marks = resolve(import.meta.dir, "fixtures/cluster_tasks.ts");
  // A pool only node c serves, so that nobody else takes its jobs.
  const c = await node("c", { pools: [{ name: "conly", size: 1, modules: [marks] }] });
  const file = `${c.dir}/marks.log`;
  const ids: string[] = (await c.request("POST", "/v1/jobs/batch", { jobs: Array.from({ length: 3 }, () => ({ task: "cluster.mark", payload: { file, ms: 1500 } })) })).body.ids;
  await c.untilRunning(ids[0]!);
  // c holds two (one running, one ahead of its worker); the third waits in the shared queue.
  expect((await a!.request("GET", `/v1/jobs/${ids[1]}`)).body).toMatchObject({ state: "running", node: "c", attempts: 1 });
  expect((await a!.request("GET", `/v1/nodes`)).body.nodes.find((n: { name: string }) => n.name === "c").state).toBe("alive");
  const events = await SseStream.open(a!.socket, "/v1/events?kind=node.");
  expect(await c.terminate()).toBe(0);
  // a saw c go: its lease given up at the stop.
  const lapsed = await events.until("node.lapsed for c", (e) => e.event === "node.lapsed" && e.data.data.node === "c");
  expect(lapsed.data.data).toMatchObject({ node: "c", self: false });
  events.close();
  const after = await Promise.all(ids.map(async (id) => (await a!.request("GET", `/v1/jobs/${id}`)).body));
  expect(after.map((j) => [j.state, j.attempts, j.node])).toEqual([["succeeded", 1, "c"], ["queued", 0, null], ["queued", 0, null]]);
  expect((await a!.request("GET", `/v1/nodes`)).body.nodes.find((n: { name: string }) => n.name === "c").state).toBe("lapsed");
  started.splice(started.indexOf(c), 1);
  const again = await Gaia.start({ dir: c.dir, config: { pools: [{ name: "conly", size: 1, modules: [marks] }], cluster: { url: pg.url, node: "c", lease_s: 3 } } });
  started.push(again);
  const ended = await again.request("POST", "/v1/jobs/wait", { ids, timeout_s: 30, all: true });
  expect(ended.body.jobs.map((j: { state: string; attempts: number }) => [j.state, j.attempts])).toEqual([["succeeded", 1], ["succeeded", 1], ["succeeded", 1]]);
}, 90_000);

test("an IO engine killed while the database was away: its successor writes the end it kept, and the job does not run again", async () => {
  const [a, b, c] = started;
  const byName: Record<string, Gaia> = { a: a!, b: b!, c: c! };
  const id = (await a!.request("POST", "/v1/jobs", { task: "sleep", payload: { ms: 600 } })).body.id as string;
  const running = await a!.until("the job begun, as the journal says", async () => {
    const j = (await a!.request("GET", `/v1/jobs/${id}`)).body;
    return j.state === "running" && j.worker ? j : null;
  });
  const owner = byName[running.node]!;
  await pg.down();
  try {
    // It ends on its node (its worker idle again); the write of that end waits for the database.
    await owner.until("the end kept by its node", async () => {
      const workers = await owner.workers();
      const ready = (await owner.request("GET", "/ready")).body;
      return workers.every((w) => w.state !== "busy") && JSON.stringify(ready).includes("wait to be written") ? true : null;
    }, 30_000);
    process.kill((await owner.request("GET", "/v1/status")).body.io.pid as number, "SIGKILL");
  } finally {
    await pg.up();
  }
  await owner.waitReady(30_000);
  const job = (await a!.request("GET", `/v1/jobs/${id}?wait=10`)).body;
  expect(job).toMatchObject({ id, state: "succeeded", attempts: 1, node: running.node });
}, 90_000);

test("a retry goes back to the shared queue: kill -9 of the worker running a job, and the job succeeds on its next attempt", async () => {
  const [a] = started;
  const id = (await a!.request("POST", "/v1/jobs", { task: "sleep", payload: { ms: 2000 }, retries: { max: 2, backoff_s: 0 } })).body.id as string;
  const running = await a!.until("the job begun, as the journal says", async () => {
    const j = (await a!.request("GET", `/v1/jobs/${id}`)).body;
    return j.state === "running" && j.worker ? j : null;
  });
  process.kill(running.worker.pid, "SIGKILL");
  const ended = (await a!.request("POST", "/v1/jobs/wait", { ids: [id], timeout_s: 30 })).body.jobs[0];
  expect(ended).toMatchObject({ id, state: "succeeded", attempts: 2 });
}, 60_000);
