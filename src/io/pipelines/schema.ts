/**
 * `[[pipelines]]` (SPEC §12): the config's pipeline definitions, and the inline definitions
 * of `POST /v1/sessions {pipeline: {...}}`, as zod schemas. The lead adds `Pipeline` to
 * src/config/schema.ts as `pipelines: z.array(Pipeline).default([])` (names unique there,
 * as for pools) and resolves each node's `module` and `python` relative to the config file.
 *
 * Semantics:
 * - A pipeline is a graph of nodes joined by connections `from = "node.port"` (an output
 *   port) → `to = "node.port"` (an input port). Unconnected input ports are the session's
 *   inputs and unconnected output ports its outputs, named the same way.
 * - Each node is one process of its own (`runtime` bun or python) that loads `module` and
 *   runs the node type `node` that the module registers, with `config` as its first argument.
 * - `max_processes` bounds the nodes of one session; `max_sessions` the sessions of this
 *   pipeline at once (beyond: 429); `init_timeout_s` how long every node has to report ready;
 *   `channel_capacity` how many frames a channel holds before its producer waits.
 * - The graph checks (src/io/pipelines/graph.ts) run here too, so a config that loads has no
 *   duplicate ids, no unknown node in a connection and no cycle. Ports need the modules: they
 *   are checked by `config check` and when a session is created (describe.ts).
 */
import { z } from "zod";
import { checkStructure } from "./graph.ts";

function int(min: number) {
  const error = `expected an integer >= ${min}`;
  return z.number({ error }).int({ error }).min(min, { error });
}

/** Node ids and port names: they are joined with '.' in connections, so they hold none. */
export const NODE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const nodeId = z.string().regex(NODE_ID_RE, "use 1-64 letters, digits, '_' and '-' (no '.': connections join node and port with it)");
const endpoint = z.string().regex(/^[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{1,64}$/, 'expected "node.port", e.g. "asr.text"');

export const PipelineNode = z
  .object({
    id: nodeId,
    runtime: z.enum(["bun", "python"]).default("bun"),
    module: z.string().min(1),
    node: z.string().min(1),
    config: z.unknown().default({}),
    /** Device count, or device indexes/UUIDs, for this node's process (§11); 0: none. */
    gpus: z.union([int(0), z.array(z.union([int(0), z.string().min(1)]))]).default(0),
    memory_limit_mb: int(0).default(0),
    env: z.record(z.string(), z.string()).default({}),
    /** The interpreter of a Python node (not in SPEC §12: pools have the same key). */
    python: z.string().min(1).default("python3"),
  })
  .strict();

export const Connection = z.object({ from: endpoint, to: endpoint }).strict();

export const PipelineFields = {
  max_processes: int(1).default(10),
  max_sessions: int(1).default(4),
  init_timeout_s: z.number().gt(0).default(30),
  channel_capacity: int(1).default(100),
  nodes: z.array(PipelineNode).min(1, { error: "a pipeline needs at least one node" }),
  connections: z.array(Connection).default([]),
};

const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '_', '.' and '-'");

/** The structural graph checks, each problem at its own path. */
function graphChecks(p: PipelineDefinition, ctx: z.RefinementCtx): void {
  for (const problem of checkStructure(p)) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
}

export const Pipeline = z.object({ name, ...PipelineFields }).strict().superRefine(graphChecks);
/** `PUT /v1/pipelines/NAME`: the same keys, the name optional (the URL's; the route sets it). */
export const PipelineBody = z.object({ name: name.optional(), ...PipelineFields }).strict().superRefine((p, ctx) => graphChecks({ ...p, name: p.name ?? "" }, ctx));
/** An inline definition (POST /v1/sessions): the same keys, the name optional. */
export const InlinePipeline = z.object({ name: name.default("inline"), ...PipelineFields }).strict().superRefine(graphChecks);

export type PipelineDefinition = {
  name: string;
  max_processes: number;
  max_sessions: number;
  init_timeout_s: number;
  channel_capacity: number;
  nodes: PipelineNodeConfig[];
  connections: { from: string; to: string }[];
};
export type PipelineNodeConfig = z.infer<typeof PipelineNode>;
