/**
 * Three gaia nodes on one PostgreSQL (SPEC §13), each in its own network namespace with a
 * veth to the server's (test/helpers/netns.ts), so that a node can be cut off as well as
 * killed. The test drives each node over its Unix socket, which the namespaces share (the
 * file system is one); only the nodes' connections to PostgreSQL cross the links.
 *
 * `cluster.mark` (fixtures/cluster_tasks.ts) appends a line per run to one file, so a job
 * that ran twice shows. Leases are 2 s, so a lapse is seen within seconds.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Gaia } from "./helpers/gaia.ts";
import { createHosts, destroyAll, netnsUnavailable, type NetHost } from "./helpers/netns.ts";
import { startPostgres, type PgServer } from "./helpers/postgres.ts";

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`cluster-netns: skipped: ${unavailable}`);

const tasks = resolve(import.meta.dir, "fixtures/cluster_tasks.ts");
const LEASE_S = 2;
let hosts: NetHost[] = [];
let pg: PgServer;
let url = "";
const scratch = mkdtempSync(join(tmpdir(), "gaia-cluster-netns-"));
const nodes: (Gaia | null)[] = [null, null, null];
const dirs: string[] = [];

async function startNode(i: number, extra: Record<string, unknown> = {}): Promise<Gaia> {
  const name = `n${i}`;
  const g = await Gaia.start({
    dir: dirs[i],
    wrap: ["ip", "netns", "exec", hosts[i]!.name],
    config: {
      pools: [{ name: "default", size: 2, modules: [tasks], env: { GAIA_TEST_NODE: name } }],
      cluster: { url, node: name, lease_s: LEASE_S },
      ...extra,
    },
  });
  nodes[i] = g;
  return g;
}

const node = (i: number) => nodes[i]!;

/** Every SIGKILLed at once: the supervisor and each child, as a crash of the host would. */
function killNode(i: number): void {
  for (const pid of node(i).registryPids()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
}

function runs(file: string): Map<string, string[]> {
  const by = new Map<string, string[]>();
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {}
  for (const line of text.split("\n").filter(Boolean)) {
    const [id, attempt, at] = line.split(" ");
    by.set(id!, [...(by.get(id!) ?? []), `${attempt}@${at}`]);
  }
  return by;
}

async function submit(g: Gaia, jobs: unknown[]): Promise<string[]> {
  const res = await g.request("POST", "/v1/jobs/batch", { jobs });
  expect(res.status).toBe(202);
  return res.body.ids;
}

/** Waits at `g` for every id to end, asking again while the database is away (503). */
async function waitAll(g: Gaia, ids: string[], timeoutS = 90): Promise<any[]> {
  const deadline = Date.now() + timeoutS * 1000;
  const ended = new Map<string, any>();
  while (ended.size < ids.length && Date.now() < deadline) {
    const pending = ids.filter((id) => !ended.has(id));
    const res = await g.request("POST", "/v1/jobs/wait", { ids: pending, timeout_s: 5, all: true }).catch(() => null);
    if (res?.status === 200) for (const job of res.body.jobs) ended.set(job.id, job);
    else await Bun.sleep(200);
  }
  return ids.map((id) => ended.get(id) ?? { id, state: "not ended" });
}

async function nodeStates(g: Gaia): Promise<Record<string, string>> {
  const res = await g.request("GET", "/v1/nodes");
  return Object.fromEntries((res.body.nodes ?? []).map((n: { name: string; state: string }) => [n.name, n.state]));
}

describe.skipIf(unavailable !== null)("three nodes, each in its own network namespace", () => {
  beforeAll(async () => {
    hosts = await createHosts(3);
    pg = await startPostgres({ listen: [hosts[0]!.hostAddress], allow: [hosts[0]!.subnet] });
    url = pg.urlFor(hosts[0]!.hostAddress);
    for (let i = 0; i < 3; i++) dirs.push(mkdtempSync(join(tmpdir(), `gaia-node-${i}-`)));
    for (let i = 0; i < 3; i++) await startNode(i);
  }, 120_000);

  afterAll(async () => {
    for (const g of nodes) await g?.stop(true);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await pg?.stop();
    await destroyAll();
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  test("jobs submitted to one node run on all three; reads, waits and cancels work from any node", async () => {
    const file = join(scratch, "spread.log");
    const ids = await submit(node(0), Array.from({ length: 120 }, () => ({ task: "cluster.mark", payload: { file, ms: 30 } })));
    const ended = await waitAll(node(1), ids);
    expect(ended.every((j) => j.state === "succeeded")).toBe(true);
    expect([...new Set(ended.map((j) => j.node))].sort()).toEqual(["n0", "n1", "n2"]);
    for (const [id, lines] of runs(file)) expect({ id, lines: lines.length }).toEqual({ id, lines: 1 });
    // Read at a third node, the result of a job another ran.
    const read = await node(2).request("GET", `/v1/jobs/${ids[0]}`);
    expect(read.body).toMatchObject({ state: "succeeded", result: { ran: 1 } });
    // Cancelled at n2: one queued for later (no node has it), and one running somewhere.
    const later = (await node(0).request("POST", "/v1/jobs", { task: "cluster.mark", payload: { file, ms: 1 }, delay_s: 60 })).body.id;
    const cancelledQueued = await node(2).request("DELETE", `/v1/jobs/${later}`);
    expect(cancelledQueued.status).toBe(200);
    expect(cancelledQueued.body.state).toBe("cancelled");
    const long = (await node(0).request("POST", "/v1/jobs", { task: "cluster.mark", payload: { file: join(scratch, "long.log"), ms: 60_000 } })).body.id;
    const running = await node(0).until("the long job running", async () => {
      const j = (await node(0).request("GET", `/v1/jobs/${long}`)).body;
      return j.state === "running" ? j : null;
    });
    const asker = [0, 1, 2].find((i) => `n${i}` !== running.node)!;
    const cancel = await node(asker).request("DELETE", `/v1/jobs/${long}`);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ state: "cancelled", node: running.node });
  }, 120_000);

  test("kill -9 of a node mid-batch: every job ends once, the dead node's running jobs finish elsewhere", async () => {
    const file = join(scratch, "kill.log");
    const ids = await submit(node(0), Array.from({ length: 90 }, () => ({ task: "cluster.mark", payload: { file, ms: 250 } })));
    await node(0).until("n2 running jobs", async () => {
      const list = (await node(0).request("GET", "/v1/jobs?state=running&limit=1000")).body.jobs;
      return list.some((j: { node: string }) => j.node === "n2");
    });
    const before = (await node(0).request("GET", "/v1/jobs?state=running&limit=1000")).body.jobs;
    killNode(2);
    const ended = await waitAll(node(0), ids);
    expect(ended.filter((j) => j.state !== "succeeded")).toEqual([]);
    const lost = ended.filter((j) => j.attempts > 1);
    // Those running on n2 when it died (it may have started one more since the read).
    expect(lost.length).toBeGreaterThan(0);
    for (const job of lost) expect(job.node).not.toBe("n2");
    // Begun on n2 when it died: their attempt was lost (or n2 finished it just before).
    const begun = before.filter((j: { node: string; worker: unknown }) => j.node === "n2" && j.worker !== null);
    expect(begun.every((j: { id: string }) => lost.some((l) => l.id === j.id) || ended.find((e) => e.id === j.id)!.node === "n2")).toBe(true);
    // A job ran once, or twice where its first run died with n2 (the second on another node).
    // One n2 took and no worker of it began as far as the journal knew is back uncounted;
    // n2 may have begun it in the last few ms before its write of that (at least once).
    for (const [id, lines] of runs(file)) {
      const job = ended.find((j) => j.id === id)!;
      const last = `${job.attempts}@${job.node}`;
      expect({ id, last: lines.at(-1) }).toEqual({ id, last });
      expect(lines.length).toBeLessThanOrEqual(job.attempts + 1);
      for (const earlier of lines.slice(0, -1)) expect(earlier).toEndWith("@n2");
    }
    expect(runs(file).size).toBe(ids.length);
    await node(0).until("n2 taken for dead", async () => (await nodeStates(node(0))).n2 === "lapsed");
    // n2 comes back on its data dir: the jobs rescued meanwhile are not run there again.
    await startNode(2);
    expect(node(2).output).toContain("were rescued by other nodes meanwhile; they are not run here");
    await node(0).until("n2 alive again", async () => (await nodeStates(node(0))).n2 === "alive");
  }, 180_000);

  test("a node cut off: it stops taking jobs once its lease lapses, its late result is ignored, and it rejoins", async () => {
    const file = join(scratch, "cut.log");
    const long = await submit(node(1), [{ task: "cluster.mark", payload: { file, ms: 5000 } }]);
    // The long job may land on any node; until it lands on n1, more go in.
    let onN1: string | null = null;
    for (let tries = 0; tries < 20 && !onN1; tries++) {
      const id = tries === 0 ? long[0]! : (await submit(node(1), [{ task: "cluster.mark", payload: { file, ms: 5000 } }]))[0]!;
      // Begun, as the shared journal says (a job only taken would go back uncounted): read
      // at n0, since n1 answers for a job it holds from its own engine, ahead of its write.
      const job = await node(0).until(`job ${id} begun`, async () => {
        const j = (await node(0).request("GET", `/v1/jobs/${id}`)).body;
        return j.state === "running" && j.worker ? j : null;
      });
      if (job.node === "n1") onN1 = id;
    }
    expect(onN1).not.toBeNull();
    await hosts[1]!.linkDown();
    try {
      const ready = await node(1).until("n1 not ready", async () => {
        const res = await node(1).request("GET", "/ready");
        return res.status === 503 ? res : null;
      }, 20_000);
      expect(JSON.stringify(ready.body)).toContain("cluster: node n1");
      // Taken back: it runs on n0 or n2 while n1 is away.
      const moved = await node(0).until("the cut node's job moved", async () => {
        const j = (await node(0).request("GET", `/v1/jobs/${onN1}`)).body;
        return j.node !== "n1" && j.attempts >= 2 ? j : null;
      }, 30_000).catch(async (err) => {
        // What the others saw, for whoever reads a failure.
        const seen = { job: (await node(0).request("GET", `/v1/jobs/${onN1}`)).body, nodes: (await node(0).request("GET", "/v1/nodes")).body };
        throw new Error(`${(err as Error).message}\n${JSON.stringify(seen)}\nn2:\n${node(2).output.slice(-2000)}\nn1:\n${node(1).output.slice(-2000)}`);
      });
      expect(["n0", "n2"]).toContain(moved.node);
      const meanwhile = await submit(node(0), Array.from({ length: 20 }, () => ({ task: "cluster.mark", payload: { file, ms: 10 } })));
      const done = await waitAll(node(0), meanwhile);
      expect(done.every((j) => j.state === "succeeded" && j.node !== "n1")).toBe(true);
    } finally {
      await hosts[1]!.linkUp();
    }
    const final = (await waitAll(node(0), [onN1!]))[0];
    expect(final.state).toBe("succeeded");
    expect(final.node).not.toBe("n1");
    // n1 finished its own run too, reported it once it could, and was told it is not its job any more.
    await node(1).until("n1's late result fenced off", async () => node(1).output.includes(`job ${onN1} was taken back from node n1`), 30_000);
    expect((await node(0).request("GET", `/v1/jobs/${onN1}`)).body).toMatchObject({ state: "succeeded", node: final.node, attempts: final.attempts });
    await node(0).until("n1 alive again", async () => (await nodeStates(node(0))).n1 === "alive", 30_000);
    const after = await submit(node(1), Array.from({ length: 60 }, () => ({ task: "cluster.mark", payload: { file, ms: 20 } })));
    const rejoined = await waitAll(node(1), after);
    expect(rejoined.every((j) => j.state === "succeeded")).toBe(true);
    expect(rejoined.some((j) => j.node === "n1")).toBe(true);
  }, 180_000);

  test("a PostgreSQL restart mid-batch: nothing is lost, and the nodes go on", async () => {
    const file = join(scratch, "restart.log");
    const ids = await submit(node(0), Array.from({ length: 150 }, () => ({ task: "cluster.mark", payload: { file, ms: 20 } })));
    await Bun.sleep(200);
    await pg.restart();
    const ended = await waitAll(node(2), ids);
    expect(ended.filter((j) => j.state !== "succeeded")).toEqual([]);
    await node(0).until("every node alive", async () => Object.values(await nodeStates(node(0))).every((s) => s === "alive"), 30_000);
    const more = await waitAll(node(1), await submit(node(1), [{ task: "cluster.mark", payload: { file, ms: 1 } }]));
    expect(more[0].state).toBe("succeeded");
  }, 180_000);

  test("a schedule on three nodes fires once per due time", async () => {
    for (let i = 0; i < 3; i++) await node(i).stop(true);
    const schedules = [{ name: "tick", task: "echo", payload: { t: 1 }, every_s: 1 }];
    const from = Date.now();
    for (let i = 0; i < 3; i++) await startNode(i, { schedules });
    await Bun.sleep(4000);
    const jobs = (await node(0).request("GET", "/v1/jobs?schedule=tick&limit=1000")).body.jobs;
    const elapsedS = (Date.now() - from) / 1000;
    const keys = jobs.map((j: { idempotency_key: string }) => j.idempotency_key);
    expect(new Set(keys).size).toBe(keys.length);
    // One job per second that passed (give or take the edges), not one per node.
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    expect(jobs.length).toBeLessThanOrEqual(Math.ceil(elapsedS) + 1);
    const dues = keys.map((k: string) => Number(k.split(":").pop())).sort();
    for (let i = 1; i < dues.length; i++) expect(dues[i] - dues[i - 1]).toBe(1000);
  }, 120_000);
});
