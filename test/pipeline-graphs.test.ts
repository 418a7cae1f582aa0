/**
 * Graphs beyond a chain, and the end of a session: an output connected to two inputs sends
 * each frame to each (its shared-memory slots freed only when both consumers are done), a node
 * with two inputs merges them; terminate lets the frames in flight through before the nodes go.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { SessionError } from "../src/io/pipelines/session-ports.ts";
import { PY, PY_NODES, sessionFiles, startRuntime, TS_NODES, until, within, type Harness } from "./helpers/pipelines.ts";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

test("fan-out and merge: every frame reaches both branches and is merged, arrays intact", async () => {
  h = await startRuntime();
  const s = await h.runtime.create({
    channel_capacity: 4,
    nodes: [
      { id: "src", runtime: "bun", module: TS_NODES, node: "t.pass" },
      { id: "left", runtime: "python", python: PY, module: PY_NODES, node: "py.add", config: { k: 1 } },
      { id: "right", runtime: "bun", module: TS_NODES, node: "t.add", config: { k: 2 } },
      { id: "join", runtime: "bun", module: TS_NODES, node: "t.merge" },
    ],
    connections: [
      { from: "src.out", to: "left.in" },
      { from: "src.out", to: "right.in" },
      { from: "left.out", to: "join.a" },
      { from: "right.out", to: "join.b" },
    ],
  });
  expect([...s.inputs.keys()]).toEqual(["src.in"]);
  expect([...s.outputs.keys()]).toEqual(["join.out"]);
  const got: { i: number; port: string; x: number }[] = [];
  s.onOutput("join.out", (v) => {
    const { i, port, x } = v as { i: number; port: string; x: Float32Array };
    got.push({ i, port, x: x[x.length - 1]! - i });
  });
  const N = 300;
  for (let i = 0; i < N; i++) await s.input("src.in", { i, x: new Float32Array(20_000).fill(i) });
  await until(() => got.length === 2 * N, `${2 * N} merged frames (got ${got.length})`);
  for (const [port, k] of [["a", 1], ["b", 2]] as const) {
    const branch = got.filter((g) => g.port === port);
    expect(branch.map((g) => g.i)).toEqual([...Array(N).keys()]); // in order within each branch
    expect(new Set(branch.map((g) => g.x))).toEqual(new Set([k]));
  }
  await s.terminate();
});

test("terminate: the frames in flight come out, close runs, then the nodes exit and their files go", async () => {
  h = await startRuntime();
  const s = await h.runtime.create({
    channel_capacity: 50,
    nodes: [
      { id: "a", runtime: "python", python: PY, module: PY_NODES, node: "py.slow", config: { ms: 2 } },
      { id: "b", runtime: "bun", module: TS_NODES, node: "t.slow", config: { ms: 2 } },
    ],
    connections: [{ from: "a.out", to: "b.in" }],
  });
  const got: number[] = [];
  s.onOutput("b.out", (v) => void got.push((v as { i: number }).i));
  const N = 120;
  for (let i = 0; i < N; i++) await s.input("a.in", { i, x: new Float32Array(20_000) });
  expect(got.length).toBeLessThan(N); // still in flight when terminate is asked
  const view = await within(s.terminate(), "terminate", 15_000);
  expect(got).toEqual([...Array(N).keys(), -1]); // -1: what a's close() emitted
  expect(view.state).toBe("terminated");
  expect(view.nodes.map((n) => [n.id, n.frames_in, n.exit?.code, n.exit?.signal])).toEqual([["a", N, 0, null], ["b", N + 1, 0, null]]);
  expect(sessionFiles(s)).toEqual([]);
  expect(existsSync(s.pipesDir)).toBe(false);
  expect(h.launcher.events.map((e) => e.kind).filter((k) => !k.startsWith("session.node"))).toEqual(["session.created", "session.ready", "session.terminating", "session.terminated"]);
  await expect(s.input("a.in", 1)).rejects.toThrow("is terminated");
});

test("terminate as soon as the session is ready: the channels still open and end, every node exits 0", async () => {
  h = await startRuntime();
  const s = await h.runtime.create({
    nodes: [
      { id: "a", runtime: "bun", module: TS_NODES, node: "t.pass" },
      { id: "b", runtime: "python", python: PY, module: PY_NODES, node: "py.pass" },
      { id: "c", runtime: "bun", module: TS_NODES, node: "t.pass" },
    ],
    connections: [{ from: "a.out", to: "b.in" }, { from: "b.out", to: "c.in" }],
  });
  await until(() => s.state.kind === "ready", "the session to be ready");
  const view = await within(s.terminate(), "terminate", 15_000);
  // Exit code 0, no signal: each node closed by itself, none was stopped after the grace.
  expect(view.nodes.map((n) => [n.id, n.exit?.code, n.exit?.signal])).toEqual([["a", 0, null], ["b", 0, null], ["c", 0, null]]);
});

test("input() not awaited is bounded (input_full past capacity waiting); unknown ports are refused", async () => {
  h = await startRuntime();
  const s = await h.runtime.create({ channel_capacity: 2, nodes: [{ id: "a", runtime: "bun", module: TS_NODES, node: "t.slow", config: { ms: 50 } }] });
  await until(() => s.state.kind === "ready", "the session to be ready");
  const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => s.input("a.in", { i })));
  const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as SessionError);
  // At most 2 in flight and 2 waiting for credit; the rest are refused at once, none dropped silently.
  expect(results.filter((r) => r.status === "fulfilled").length).toBeLessThanOrEqual(4);
  expect(refused.length).toBeGreaterThanOrEqual(6);
  expect(new Set(refused.map((e) => e.code))).toEqual(new Set(["input_full"]));
  expect(refused[0]!.message).toBe("session input a.in has 2 frames waiting for the node; await input() before sending more");
  await expect(s.input("a.nope", 1)).rejects.toThrow(`session ${s.id} has no input 'a.nope' (its inputs: a.in)`);
  expect(() => s.onOutput("a.in", () => {})).toThrow(`session ${s.id} has no output 'a.in' (its outputs: a.out)`);
  await s.terminate();
});
