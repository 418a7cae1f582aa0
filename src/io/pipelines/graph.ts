/**
 * The pipeline graph, pure (SPEC §12): checks and the channel plan. No processes here.
 *
 * - `checkStructure` needs only the definition: duplicate node ids, a graph larger than
 *   `max_processes`, connections naming unknown nodes, the same connection twice, an input
 *   port fed twice (channels are point to point), and cycles. The config schema runs it.
 * - `checkPorts` needs each node's declared ports (describe.ts loads the modules): a
 *   connection from a port that is not an output, or to one that is not an input.
 * - `planChannels` turns a checked graph into channels. Every declared input port is fed by
 *   one connection or is a session input; every declared output port feeds its connections
 *   (one channel each: an output connected to several inputs sends each frame to each) or
 *   is a session output. The session end of a channel is written `session`, so ids read
 *   `vad.frames->filter.frames`, `session->vad.audio`, `stats.out->session`.
 *
 * Every problem is one line with the path it belongs to, as the config loader prints them.
 */
import type { PipelineDefinition } from "./schema.ts";

export type Problem = { path: (string | number)[]; message: string };
export type Ports = { inputs: string[]; outputs: string[] };
/** Declared ports by node id. */
export type PortTable = Record<string, Ports>;

export type Endpoint = { node: string; port: string };
export type ChannelPlan = { id: string; from: Endpoint | "session"; to: Endpoint | "session" };
export type NodePlan = {
  id: string;
  inputs: { port: string; channel: string }[];
  outputs: { port: string; channels: string[] }[];
};
export type Plan = { channels: ChannelPlan[]; nodes: NodePlan[]; inputs: string[]; outputs: string[] };

export function splitEndpoint(text: string): Endpoint {
  const dot = text.indexOf(".");
  return { node: text.slice(0, dot), port: text.slice(dot + 1) };
}

const label = (e: Endpoint | "session") => (e === "session" ? "session" : `${e.node}.${e.port}`);
export const channelId = (from: Endpoint | "session", to: Endpoint | "session") => `${label(from)}->${label(to)}`;

export function checkStructure(def: PipelineDefinition): Problem[] {
  const problems: Problem[] = [];
  const ids = new Set<string>();
  def.nodes.forEach((n, i) => {
    if (ids.has(n.id)) problems.push({ path: ["nodes", i, "id"], message: `duplicate node id "${n.id}"` });
    ids.add(n.id);
  });
  if (def.nodes.length > def.max_processes) {
    problems.push({ path: ["nodes"], message: `${def.nodes.length} nodes exceed max_processes = ${def.max_processes} (each node is a process of its own)` });
  }
  const seen = new Set<string>();
  const fedBy = new Map<string, string>();
  def.connections.forEach((c, i) => {
    for (const key of ["from", "to"] as const) {
      const { node } = splitEndpoint(c[key]);
      if (!ids.has(node)) problems.push({ path: ["connections", i, key], message: `unknown node "${node}" in "${c[key]}" (nodes: ${[...ids].join(", ")})` });
    }
    const pair = `${c.from}->${c.to}`;
    if (seen.has(pair)) problems.push({ path: ["connections", i], message: `duplicate connection ${c.from} -> ${c.to}` });
    else if (fedBy.has(c.to)) {
      problems.push({ path: ["connections", i, "to"], message: `input "${c.to}" is already fed by "${fedBy.get(c.to)}"; an input port takes one connection (give the node a second input port)` });
    }
    seen.add(pair);
    if (!fedBy.has(c.to)) fedBy.set(c.to, c.from);
  });
  const cycle = findCycle(def);
  if (cycle) problems.push({ path: ["connections"], message: `cycle: ${cycle.join(" -> ")} (a pipeline's frames flow one way)` });
  return problems;
}

/** The first cycle among the nodes, as a path that starts and ends at the same node. */
export function findCycle(def: PipelineDefinition): string[] | null {
  const next = new Map<string, string[]>();
  for (const c of def.connections) {
    const from = splitEndpoint(c.from).node;
    next.set(from, [...(next.get(from) ?? []), splitEndpoint(c.to).node]);
  }
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === "done") return null;
    if (state.get(n) === "open") return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, "open");
    stack.push(n);
    for (const m of next.get(n) ?? []) {
      const found = visit(m);
      if (found) return found;
    }
    stack.pop();
    state.set(n, "done");
    return null;
  };
  for (const n of def.nodes) {
    const found = visit(n.id);
    if (found) return found;
  }
  return null;
}

const listed = (ports: string[], what: string) => (ports.length ? `has ${what}s ${ports.join(", ")}` : `has no ${what} ports`);

export function checkPorts(def: PipelineDefinition, ports: PortTable): Problem[] {
  const problems: Problem[] = [];
  const type = new Map(def.nodes.map((n) => [n.id, n.node]));
  def.connections.forEach((c, i) => {
    for (const [key, side] of [["from", "outputs"], ["to", "inputs"]] as const) {
      const { node, port } = splitEndpoint(c[key]);
      const declared = ports[node]?.[side];
      if (!declared || declared.includes(port)) continue;
      const kind = side === "outputs" ? "output" : "input";
      problems.push({ path: ["connections", i, key], message: `unknown ${kind} port "${c[key]}": node "${node}" (${type.get(node)}) ${listed(declared, kind)}` });
    }
  });
  return problems;
}

/** The channels of a graph that passed both checks. */
export function planChannels(def: PipelineDefinition, ports: PortTable): Plan {
  const channels: ChannelPlan[] = [];
  const nodes: NodePlan[] = [];
  const inputs: string[] = [];
  const outputs: string[] = [];
  for (const n of def.nodes) {
    const plan: NodePlan = { id: n.id, inputs: [], outputs: [] };
    for (const port of ports[n.id]!.inputs) {
      const name = `${n.id}.${port}`;
      const feed = def.connections.find((c) => c.to === name);
      const from = feed ? splitEndpoint(feed.from) : "session";
      const id = channelId(from, { node: n.id, port });
      if (!feed) {
        inputs.push(name);
        channels.push({ id, from, to: { node: n.id, port } });
      }
      plan.inputs.push({ port, channel: id });
    }
    for (const port of ports[n.id]!.outputs) {
      const name = `${n.id}.${port}`;
      const targets = def.connections.filter((c) => c.from === name).map((c) => splitEndpoint(c.to));
      const ends: (Endpoint | "session")[] = targets.length ? targets : ["session"];
      if (!targets.length) outputs.push(name);
      const ids = ends.map((to) => channelId({ node: n.id, port }, to));
      ends.forEach((to, k) => channels.push({ id: ids[k]!, from: { node: n.id, port }, to }));
      plan.outputs.push({ port, channels: ids });
    }
    nodes.push(plan);
  }
  return { channels, nodes, inputs, outputs };
}
