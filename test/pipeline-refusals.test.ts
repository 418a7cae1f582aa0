/**
 * Sessions that are refused before anything starts: cycles, unknown ports (known only by
 * loading the modules in a throwaway process), graphs over max_processes, unknown node types,
 * modules that do not load, unknown pipelines, taken ids, max_sessions. No node is spawned.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { PipelineRefusal } from "../src/io/pipelines/runtime.ts";
import { Pipeline, type PipelineDefinition } from "../src/io/pipelines/schema.ts";
import { PY, PY_NODES, startRuntime, TS_NODES, type Harness } from "./helpers/pipelines.ts";

let h: Harness;
const twoOfThem = Pipeline.parse({ name: "pair", max_sessions: 1, nodes: [{ id: "a", runtime: "bun", module: TS_NODES, node: "t.pass" }] }) as PipelineDefinition;
beforeAll(async () => {
  h = await startRuntime({ pipelines: [twoOfThem] });
});
afterAll(() => h.stop());

const bun = (id: string, node = "t.pass") => ({ id, runtime: "bun", module: TS_NODES, node });
const py = (id: string, node = "py.pass") => ({ id, runtime: "python", python: PY, module: PY_NODES, node });

async function refusal(pipeline: string | Record<string, unknown>, id?: string): Promise<PipelineRefusal> {
  const err = await h.runtime.create(pipeline, id).then(() => null, (e) => e);
  expect(err).toBeInstanceOf(PipelineRefusal);
  return err as PipelineRefusal;
}

describe("refused before anything starts", () => {
  test("a cycle", async () => {
    const r = await refusal({ nodes: [bun("a"), bun("b")], connections: [{ from: "a.out", to: "b.in" }, { from: "b.out", to: "a.in" }] });
    expect([r.code, r.status, r.message]).toEqual(["invalid_pipeline", 400, "pipeline.connections: cycle: a -> b -> a (a pipeline's frames flow one way)"]);
  });

  test("unknown ports, Bun and Python, named with what the node has", async () => {
    const r = await refusal({ nodes: [bun("a"), py("b"), bun("c")], connections: [{ from: "a.output", to: "b.in" }, { from: "b.out", to: "c.inn" }] });
    expect(r.message).toBe([
      'pipeline.connections.0.from: unknown output port "a.output": node "a" (t.pass) has outputs out',
      'pipeline.connections.1.to: unknown input port "c.inn": node "c" (t.pass) has inputs in',
    ].join("; "));
  });

  test("more nodes than max_processes", async () => {
    const r = await refusal({ max_processes: 2, nodes: [bun("a"), bun("b"), bun("c")] });
    expect(r.message).toBe("pipeline.nodes: 3 nodes exceed max_processes = 2 (each node is a process of its own)");
  });

  test("an unknown node type, a module that does not load, duplicate ids, an unknown key", async () => {
    expect((await refusal({ nodes: [py("a", "py.nope")] })).message).toBe(`pipeline.nodes.0.node: module "${PY_NODES}" has no node type "py.nope" (it has: py.pass, py.add, py.slow, py.raise_init, py.exit_init, py.sleep_init, py.raise_process, py.stats)`);
    const missing = await refusal({ nodes: [{ ...bun("a"), module: "/nowhere/nodes.ts" }] });
    expect(missing.message).toStartWith("pipeline.nodes.0.module: cannot load node module /nowhere/nodes.ts");
    expect((await refusal({ nodes: [bun("a"), bun("a")] })).message).toBe('pipeline.nodes.1.id: duplicate node id "a"');
    const noPython = await refusal({ nodes: [{ ...py("a"), python: "/nonexistent/python3" }] });
    expect(noPython.message).toStartWith(`pipeline.nodes.0.module: cannot run /nonexistent/python3 to load ${PY_NODES}`);
    expect((await refusal({ nodes: [{ ...bun("a"), colour: "red" }] })).message).toContain('pipeline.nodes.0: Unrecognized key: "colour"');
  });

  test("an unknown pipeline, a taken id, and max_sessions", async () => {
    expect(await refusal("nope")).toMatchObject({ code: "unknown_pipeline", status: 404, message: 'no pipeline named "nope" (pipelines: pair)' });
    const first = await h.runtime.create("pair", "mine");
    expect(await refusal("pair", "mine")).toMatchObject({ code: "session_exists", status: 409 });
    expect(await refusal("pair")).toMatchObject({ code: "too_many_sessions", status: 429, message: "pipeline pair has 1 sessions, its max_sessions" });
    expect(await refusal("pair", "../etc")).toMatchObject({ code: "invalid_pipeline", status: 400 });
    await first.terminate();
    const second = await h.runtime.create("pair"); // the slot is free again
    await second.terminate();
    expect(h.launcher.spawned.size).toBe(2); // the two sessions that were created, nothing else
  });
});
