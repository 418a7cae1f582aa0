/**
 * Where the pipelines' sockets live in a run dir (SPEC §12): the session runtime's control
 * socket and the folder of the nodes' data sockets. The IO engine makes and removes them;
 * the supervisor removes them too at a stop, since the engine may have died first.
 */
import { join } from "node:path";

export function pipelinePaths(runDir: string): { control: string; pipes: string } {
  return { control: join(runDir, "nodes.sock"), pipes: join(runDir, "pipes") };
}
