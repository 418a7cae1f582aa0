import { expect, test } from "bun:test";
import { join } from "node:path";
import { checkPipelines } from "./check.ts";
import { Pipeline, type PipelineDefinition } from "./schema.ts";

const root = join(import.meta.dir, "../../..");
const launch = { selfCommand: [process.execPath, join(root, "src/main.ts")], pythonPackage: join(root, "python"), socket: "/nowhere", baseEnv: process.env };
const TS = join(root, "test/fixtures/pipeline_nodes.ts");
const PY = join(root, "test/fixtures/pipeline_nodes.py");

test("config check loads every node module and checks the ports, one line per problem", async () => {
  const good = Pipeline.parse({ name: "good", nodes: [{ id: "a", runtime: "bun", module: TS, node: "t.pass" }, { id: "b", runtime: "python", python: join(root, ".venv/bin/python"), module: PY, node: "py.pass" }], connections: [{ from: "a.out", to: "b.in" }] }) as PipelineDefinition;
  const bad = Pipeline.parse({ name: "bad", nodes: [{ id: "a", runtime: "bun", module: TS, node: "t.pass" }, { id: "b", runtime: "bun", module: TS, node: "t.nope" }], connections: [{ from: "a.outt", to: "b.in" }] }) as PipelineDefinition;
  const ports = Pipeline.parse({ name: "ports", nodes: [{ id: "a", runtime: "bun", module: TS, node: "t.pass" }, { id: "b", runtime: "bun", module: TS, node: "t.pass" }], connections: [{ from: "a.outt", to: "b.in" }] }) as PipelineDefinition;
  const result = await checkPipelines([good, bad, ports], launch);
  expect(result.problems).toEqual([
    `config: pipelines[1].nodes.1.node: module "${TS}" has no node type "t.nope" (it has: t.pass, t.add, t.slow, t.merge, t.raise_init, t.raise_process, t.sink)`,
    'config: pipelines[2].connections.0.from: unknown output port "a.outt": node "a" (t.pass) has outputs out',
  ]);
  expect(result.ports.good).toEqual({ a: { inputs: ["in"], outputs: ["out"] }, b: { inputs: ["in"], outputs: ["out"] } });
}, 60_000);
