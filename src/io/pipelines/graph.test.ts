import { describe, expect, test } from "bun:test";
import { checkPorts, checkStructure, findCycle, planChannels, type PortTable } from "./graph.ts";
import { InlinePipeline, Pipeline, type PipelineDefinition } from "./schema.ts";

const node = (id: string, type = `t.${id}`) => ({ id, runtime: "bun", module: "m.ts", node: type });
const def = (nodes: unknown[], connections: { from: string; to: string }[], extra: Record<string, unknown> = {}) =>
  InlinePipeline.parse({ nodes, connections, ...extra }) as PipelineDefinition;
/** Skips the schema's own graph checks, to test the pure functions on broken graphs. */
const raw = (nodes: { id: string }[], connections: { from: string; to: string }[], max_processes = 10) =>
  ({ name: "p", max_processes, max_sessions: 4, init_timeout_s: 30, channel_capacity: 100, nodes, connections }) as unknown as PipelineDefinition;

const chain: PortTable = { a: { inputs: ["in"], outputs: ["out"] }, b: { inputs: ["in"], outputs: ["out"] }, c: { inputs: ["in"], outputs: ["out"] } };

describe("checkStructure", () => {
  test("a good chain has no problems", () => {
    expect(checkStructure(def([node("a"), node("b")], [{ from: "a.out", to: "b.in" }]))).toEqual([]);
  });

  test("duplicate ids, unknown nodes, duplicate connections and fan-in each get a line at their path", () => {
    const problems = checkStructure(raw([{ id: "a" }, { id: "a" }, { id: "b" }], [
      { from: "a.out", to: "x.in" },
      { from: "a.out", to: "b.in" },
      { from: "a.out", to: "b.in" },
      { from: "a.other", to: "b.in" },
    ]));
    expect(problems).toEqual([
      { path: ["nodes", 1, "id"], message: 'duplicate node id "a"' },
      { path: ["connections", 0, "to"], message: 'unknown node "x" in "x.in" (nodes: a, b)' },
      { path: ["connections", 2], message: "duplicate connection a.out -> b.in" },
      { path: ["connections", 3, "to"], message: 'input "b.in" is already fed by "a.out"; an input port takes one connection (give the node a second input port)' },
    ]);
  });

  test("more nodes than max_processes is refused", () => {
    const [problem] = checkStructure(raw([{ id: "a" }, { id: "b" }, { id: "c" }], [], 2));
    expect(problem!.message).toBe("3 nodes exceed max_processes = 2 (each node is a process of its own)");
  });

  test("cycles are found and named, a self-loop included", () => {
    expect(findCycle(raw([{ id: "a" }, { id: "b" }, { id: "c" }], [{ from: "a.o", to: "b.i" }, { from: "b.o", to: "c.i" }, { from: "c.o", to: "b.j" }]))).toEqual(["b", "c", "b"]);
    expect(findCycle(raw([{ id: "a" }], [{ from: "a.o", to: "a.i" }]))).toEqual(["a", "a"]);
    expect(findCycle(raw([{ id: "a" }, { id: "b" }, { id: "c" }], [{ from: "a.o", to: "b.i" }, { from: "a.o", to: "c.i" }, { from: "b.o", to: "c.j" }]))).toBeNull();
    const [problem] = checkStructure(raw([{ id: "a" }, { id: "b" }], [{ from: "a.o", to: "b.i" }, { from: "b.o", to: "a.i" }]));
    expect(problem).toEqual({ path: ["connections"], message: "cycle: a -> b -> a (a pipeline's frames flow one way)" });
  });
});

describe("the schema", () => {
  test("defaults fill every key but nodes", () => {
    const p = Pipeline.parse({ name: "s2s", nodes: [{ id: "asr", module: "m.py", node: "speech.asr" }] });
    expect(p).toMatchObject({ max_processes: 10, max_sessions: 4, init_timeout_s: 30, channel_capacity: 100, connections: [] });
    expect(p.nodes[0]).toEqual({ id: "asr", runtime: "bun", module: "m.py", node: "speech.asr", config: {}, gpus: 0, memory_limit_mb: 0, env: {}, python: "python3" });
  });

  test("unknown keys, bad endpoints and graph problems are refused with their paths", () => {
    const result = Pipeline.safeParse({ name: "p", nodes: [{ id: "a", module: "m", node: "t", colour: 1 }], connections: [{ from: "a", to: "a.in" }] });
    expect(result.success).toBe(false);
    const lines = result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(lines.some((l) => l.startsWith("nodes.0:") && l.includes("colour"))).toBe(true);
    expect(lines).toContain('connections.0.from: expected "node.port", e.g. "asr.text"');
    const cyc = Pipeline.safeParse({ name: "p", nodes: [node("a"), node("b")], connections: [{ from: "a.o", to: "b.i" }, { from: "b.o", to: "a.i" }] });
    expect(cyc.error!.issues.map((i) => i.message)).toEqual(["cycle: a -> b -> a (a pipeline's frames flow one way)"]);
  });
});

describe("checkPorts", () => {
  test("unknown output and input ports name what the node has", () => {
    const d = def([node("a"), node("b")], [{ from: "a.outt", to: "b.in" }, { from: "a.out", to: "b.nope" }]);
    expect(checkPorts(d, { a: { inputs: [], outputs: ["out"] }, b: { inputs: [], outputs: [] } })).toEqual([
      { path: ["connections", 0, "from"], message: 'unknown output port "a.outt": node "a" (t.a) has outputs out' },
      { path: ["connections", 0, "to"], message: 'unknown input port "b.in": node "b" (t.b) has no input ports' },
      { path: ["connections", 1, "to"], message: 'unknown input port "b.nope": node "b" (t.b) has no input ports' },
    ]);
  });
});

describe("planChannels", () => {
  test("a chain: one session input, internal channels, one session output", () => {
    const d = def([node("a"), node("b"), node("c")], [{ from: "a.out", to: "b.in" }, { from: "b.out", to: "c.in" }]);
    const plan = planChannels(d, chain);
    expect(plan.inputs).toEqual(["a.in"]);
    expect(plan.outputs).toEqual(["c.out"]);
    expect(plan.channels.map((c) => c.id)).toEqual(["session->a.in", "a.out->b.in", "b.out->c.in", "c.out->session"]);
    expect(plan.nodes[1]).toEqual({ id: "b", inputs: [{ port: "in", channel: "a.out->b.in" }], outputs: [{ port: "out", channels: ["b.out->c.in"] }] });
  });

  test("fan-out: one output port, one channel per input it feeds", () => {
    const d = def([node("a"), node("b"), node("c")], [{ from: "a.out", to: "b.in" }, { from: "a.out", to: "c.in" }]);
    const plan = planChannels(d, chain);
    expect(plan.nodes[0]!.outputs).toEqual([{ port: "out", channels: ["a.out->b.in", "a.out->c.in"] }]);
    expect(plan.outputs).toEqual(["b.out", "c.out"]);
  });
});
