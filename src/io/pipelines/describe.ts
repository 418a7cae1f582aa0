/**
 * Which node types a module registers and their ports, learned by loading the module in a
 * throwaway process (`gaia __node --describe M`, `python -m gaia_worker.node_runtime
 * --describe M`) that prints one JSON line: `{"nodes": {type: {inputs, outputs}}}` or
 * `{"error": "..."}`. `config check` calls it for every pipeline; session creation calls it
 * before anything starts, so an unknown node type or port is a refusal, not a crashed node.
 *
 * A file module's answer is kept while the file's size and mtime stay the same (creating
 * sessions of one pipeline should not load its models' modules each time); a module given as
 * an importable name is asked every time. Loading runs the module's top level, so a module
 * that loads a model at import pays it here too: load models in the constructor.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { Problem, PortTable } from "./graph.ts";
import { describeArgv, nodeEnv, type LaunchContext } from "./launch.ts";
import type { PipelineNodeConfig } from "./schema.ts";

export type Described = { nodes: Record<string, { inputs: string[]; outputs: string[] }> } | { error: string };

type Key = Pick<PipelineNodeConfig, "runtime" | "module" | "python" | "env">;

const isFile = (module: string) => /\.(py|ts|js|mjs|tsx)$/.test(module) || module.includes("/");

export class Describer {
  private readonly cache = new Map<string, { stamp: string; answer: Described }>();

  constructor(
    private readonly ctx: LaunchContext,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Ports by node id, and a problem (at the node's path) for each node that has none. */
  async ports(nodes: PipelineNodeConfig[]): Promise<{ ports: PortTable; problems: Problem[] }> {
    const answers = await Promise.all(nodes.map((n) => this.describe(n)));
    const ports: PortTable = {};
    const problems: Problem[] = [];
    nodes.forEach((n, i) => {
      const answer = answers[i]!;
      if ("error" in answer) return problems.push({ path: ["nodes", i, "module"], message: answer.error });
      const found = answer.nodes[n.node];
      if (!found) {
        const has = Object.keys(answer.nodes).join(", ") || "none";
        return problems.push({ path: ["nodes", i, "node"], message: `module "${n.module}" has no node type "${n.node}" (it has: ${has})` });
      }
      ports[n.id] = found;
    });
    return { ports, problems };
  }

  /** One module's answer (cached for files, see above). */
  async describe(key: Key): Promise<Described> {
    const id = JSON.stringify([key.runtime, key.runtime === "python" ? key.python : "", key.module, key.env]);
    const stamp = fileStamp(key.module);
    const hit = this.cache.get(id);
    if (hit && stamp !== null && hit.stamp === stamp) return hit.answer;
    const answer = await this.run(key);
    if (stamp !== null && !("error" in answer)) this.cache.set(id, { stamp, answer });
    return answer;
  }

  private async run(key: Key): Promise<Described> {
    const argv = describeArgv(key, this.ctx);
    let proc: ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">>;
    try {
      proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: nodeEnv({ ...key, id: "describe", node: "" }, this.ctx) });
    } catch (err) {
      return { error: `cannot run ${argv[0]} to load ${key.module}: ${(err as Error).message}` };
    }
    const timer = setTimeout(() => proc.kill("SIGKILL"), this.timeoutMs);
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    clearTimeout(timer);
    for (const line of out.trim().split("\n").reverse()) {
      try {
        const answer = JSON.parse(line) as Described;
        if (answer && typeof answer === "object" && ("nodes" in answer || "error" in answer)) return answer;
      } catch {
        // a line the module printed: keep looking
      }
    }
    if (proc.signalCode === "SIGKILL") return { error: `loading ${key.module} took over ${this.timeoutMs / 1000} s` };
    const last = err.trim().split("\n").pop() || `exit code ${code}`;
    return { error: `cannot load ${key.module} (${key.runtime}): ${last}` };
  }
}

function fileStamp(module: string): string | null {
  if (!isFile(module)) return null;
  try {
    const s = statSync(resolve(module));
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}
