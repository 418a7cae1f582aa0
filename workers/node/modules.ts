/**
 * Loading a node module (the compiled binary can `import()` a .ts or .js file from disk) and
 * listing its node types and ports: for the node process itself, and for
 * `gaia __node --describe MODULE`, the throwaway process that `config check` and session
 * creation use to check a graph's ports before anything starts.
 */
import { resolve } from "node:path";
import type { NodeClass, NodeTable } from "./types.ts";

export class NodeModuleError extends Error {
  override name = "NodeModuleError";
}

export type Description = Record<string, { inputs: string[]; outputs: string[] }>;

function ports(cls: NodeClass, key: "inputs" | "outputs", where: string): string[] {
  const list = cls[key] ?? [];
  if (!Array.isArray(list) || !list.every((p) => typeof p === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(p))) {
    throw new NodeModuleError(`${where}: static ${key} must be a list of port names (letters, digits, '_', '-'), got ${JSON.stringify(list)}`);
  }
  if (new Set(list).size !== list.length) throw new NodeModuleError(`${where}: static ${key} names a port twice: ${JSON.stringify(list)}`);
  return [...list];
}

export async function loadNodes(module: string): Promise<NodeTable> {
  const path = resolve(module);
  let exported: Record<string, unknown>;
  try {
    exported = await import(path);
  } catch (err) {
    throw new NodeModuleError(`cannot load node module ${path}: ${(err as Error)?.stack ?? err}`);
  }
  const nodes = exported.nodes;
  if (nodes === null || typeof nodes !== "object") {
    throw new NodeModuleError(`node module ${path} does not export \`nodes\` (an object from node type to class)`);
  }
  const table: NodeTable = {};
  for (const [name, cls] of Object.entries(nodes)) {
    if (typeof cls !== "function") throw new NodeModuleError(`node type '${name}' in ${path} is a ${typeof cls}, not a class`);
    if (typeof (cls as { prototype?: { process?: unknown } }).prototype?.process !== "function") {
      throw new NodeModuleError(`node type '${name}' in ${path} has no process(port, value, ctx) method`);
    }
    table[name] = cls as NodeClass;
  }
  return table;
}

export function describeTable(table: NodeTable, module: string): Description {
  const out: Description = {};
  for (const [name, cls] of Object.entries(table)) {
    const where = `node type '${name}' in ${module}`;
    out[name] = { inputs: ports(cls, "inputs", where), outputs: ports(cls, "outputs", where) };
  }
  return out;
}

/** Straight to stdout: under GAIA_LOG_FORMAT=json console.log would wrap it in a log record. */
const say = (answer: unknown) => Bun.write(Bun.stdout, `${JSON.stringify(answer)}\n`);

/** `gaia __node --describe MODULE`: one JSON line on stdout, `{nodes}` or `{error}`. */
export async function describeCommand(module: string): Promise<number> {
  try {
    await say({ nodes: describeTable(await loadNodes(module), module) });
    return 0;
  } catch (err) {
    await say({ error: (err as Error).message.split("\n")[0] });
    return 1;
  }
}
