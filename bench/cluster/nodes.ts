/**
 * gaia nodes for the cluster section: `gaia start` in a temporary folder of its own, on the
 * embedded SQLite journal or as a node of a cluster (`cluster: {url, node, lease_s}` in its
 * config, SPEC §13), each in a process group of its own so that a rescue measure can `kill -9`
 * a whole node (supervisor, IO engine, workers) at once.
 *
 * Unlike bench/gaia-side.ts's startGaia, a gaia that exits before /ready is an answer, not a
 * crash: `{missing}` with its exit code and the last line it printed (a gaia that refuses a
 * cluster config says why on stderr and exits 2), so the section can show it in the row.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

const BINARY = process.env.GAIA_BENCH_BINARY ?? resolve(import.meta.dir, "../../gaia");
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

export type Missing = { missing: string };
export type ClusterKeys = { url: string; node: string; lease_s?: number };

export type NodeOptions = {
  /** Bun workers in the default pool. */
  workers: number;
  /** Absent: one host on the embedded SQLite journal. */
  cluster?: ClusterKeys;
  /** Written into its folder (task modules); their names go into the pool's `modules`. */
  modules?: Record<string, string>;
};

export type Node = {
  /** The cluster's name for it, or "sqlite". */
  name: string;
  dir: string;
  socket: string;
  proc: Subprocess<"ignore", "ignore" | "inherit", "pipe">;
  /** What it printed on stderr lately, for the reason it exited. */
  stderr: string[];
};

/** Keeps the last lines of the node's stderr (and echoes them with GAIA_BENCH_LOGS). */
async function pumpStderr(node: Node): Promise<void> {
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of node.proc.stderr) {
    const text = decoder.decode(chunk, { stream: true });
    if (process.env.GAIA_BENCH_LOGS) process.stderr.write(text);
    const lines = (partial + text).split("\n");
    partial = lines.pop()!;
    node.stderr.push(...lines.filter(Boolean));
    if (node.stderr.length > 40) node.stderr.splice(0, node.stderr.length - 40);
  }
  if (partial) node.stderr.push(partial);
}

function configOf(o: NodeOptions): Record<string, unknown> {
  const modules = Object.keys(o.modules ?? {});
  return {
    pools: [{ name: "default", size: o.workers, ...(modules.length ? { modules } : {}) }],
    queue: { max_depth: 200_000 },
    ...(o.cluster ? { cluster: o.cluster } : {}),
  };
}

/** Nodes started and not yet stopped: in a group of their own, a Ctrl-C of the bench misses them. */
const live = new Set<Node>();
let hooked = false;

/** Kills the live nodes' groups (and removes their folders) when the bench exits or is interrupted first. */
function takeAlongOnExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const node of live) (killNode(node), rmSync(node.dir, { recursive: true, force: true }));
  };
  process.on("exit", killAll);
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) process.once(signal, () => (killAll(), process.exit(code)));
}

/** A gaia in a folder of its own, ready, or why it is not. */
export async function startNode(o: NodeOptions): Promise<Node | Missing> {
  const dir = mkdtempSync(join(tmpdir(), "gaia-bench-cluster-"));
  for (const [name, text] of Object.entries(o.modules ?? {})) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "gaia.json"), JSON.stringify(configOf(o)));
  const socket = join(dir, ".gaia/run/gaia.sock");
  // detached: its own process group (setsid), so `kill(-pid)` reaches every process of it.
  const proc = Bun.spawn([...BINARY.split(" "), "start", "--config", join(dir, "gaia.json")], { cwd: dir, detached: true, stdin: "ignore", stdout: process.env.GAIA_BENCH_LOGS ? "inherit" : "ignore", stderr: "pipe" });
  const node: Node = { name: o.cluster?.node ?? "sqlite", dir, socket, proc, stderr: [] };
  live.add(node);
  takeAlongOnExit();
  const pumped = pumpStderr(node);
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  const t0 = performance.now();
  for (;;) {
    try {
      if ((await fetch("http://gaia/ready", { unix: socket } as RequestInit)).status === 200) return node;
    } catch {}
    if (gone() || performance.now() - t0 > READY_TIMEOUT_MS) break;
    await Bun.sleep(5);
  }
  const timedOut = !gone();
  await stopNode(node);
  await pumped;
  // Its last line's first sentence: "config: cluster.url (…): this gaia runs on one host only; …".
  const said = (node.stderr.slice(-1)[0] ?? "nothing on stderr").replace(/^config: /, "").split(/(?<=\.) /)[0]!;
  return { missing: timedOut ? `gaia (${node.name}) was not ready in ${READY_TIMEOUT_MS / 1000} s: ${said}` : `gaia start (${node.name}) exited ${proc.exitCode}: ${said}` };
}

/** Every node, started side by side; when one cannot start, the others are stopped. */
export async function startNodes(options: NodeOptions[]): Promise<Node[] | Missing> {
  const got = await Promise.all(options.map(startNode));
  const missing = got.find((g): g is Missing => "missing" in g);
  if (!missing) return got as Node[];
  for (const g of got) if (!("missing" in g)) await stopNode(g);
  return missing;
}

/** `kill -9` of the node's whole process group: the supervisor, its IO engine and its workers. */
export function killNode(node: Node): void {
  try {
    process.kill(-node.proc.pid, "SIGKILL");
  } catch {} // already gone
}

/** SIGTERM (gaia's graceful stop), SIGKILL of the group after a grace; then its folder goes. */
export async function stopNode(node: Node): Promise<void> {
  if (node.proc.exitCode === null && node.proc.signalCode === null) node.proc.kill("SIGTERM");
  const timer = setTimeout(() => killNode(node), STOP_GRACE_MS);
  await node.proc.exited;
  clearTimeout(timer);
  killNode(node); // anything of its group that outlived the supervisor
  live.delete(node);
  rmSync(node.dir, { recursive: true, force: true });
}

export async function stopNodes(nodes: Node[]): Promise<void> {
  await Promise.all(nodes.map(stopNode));
}

/** The JSON of one request on a fresh connection (for the few reads of the rescue measure). */
export async function api<T>(node: Node, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://gaia${path}`, { unix: node.socket, method, body: body === undefined ? undefined : JSON.stringify(body), headers: { "content-type": "application/json" } } as RequestInit);
  return { status: res.status, body: (await res.json()) as T };
}
