/**
 * `gaia config check` for `[[pipelines]]` (SPEC §3, §12): the config schema has checked each
 * graph's shape; here every node's module is loaded in a throwaway process (describe.ts) and
 * each connection's ports checked against what the node types declare. One line per problem,
 * in the config loader's style: `config: pipelines[0].connections.1.to: unknown input port ...`.
 * The lead calls it from src/cli/start.ts's configCheck with the LaunchContext of the run.
 */
import { Describer } from "./describe.ts";
import { checkPorts, type PortTable } from "./graph.ts";
import type { LaunchContext } from "./launch.ts";
import type { PipelineDefinition } from "./schema.ts";

export type PipelineCheck = { problems: string[]; ports: Record<string, PortTable> };

export async function checkPipelines(pipelines: PipelineDefinition[], launch: LaunchContext, describer = new Describer(launch)): Promise<PipelineCheck> {
  const problems: string[] = [];
  const ports: Record<string, PortTable> = {};
  for (const [i, def] of pipelines.entries()) {
    const at = (path: (string | number)[]) => `config: pipelines[${i}].${path.join(".")}`;
    const described = await describer.ports(def.nodes);
    for (const p of described.problems) problems.push(`${at(p.path)}: ${p.message}`);
    if (described.problems.length) continue;
    for (const p of checkPorts(def, described.ports)) problems.push(`${at(p.path)}: ${p.message}`);
    ports[def.name] = described.ports;
  }
  return { problems, ports };
}
