/**
 * The init a node gets after its hello (pure): its config, the channel capacity, the data
 * socket it listens on (when it has inputs), the channels it takes and where each of its
 * outputs connects (a consumer node's socket, or nodes.sock for a session output), and its
 * shared-memory file prefix inside the session's.
 */
import { join } from "node:path";
import type { NodeInit } from "../../protocol/pipeline-messages.ts";
import type { Plan } from "./graph.ts";

type Node = { index: number; id: string; config: { config: unknown }; plan: Plan["nodes"][number] };
export type InitPaths = { nodesSocket: string; pipesDir: string; arraysDir: string; prefix: string };

export const listenPath = (pipesDir: string, node: { index: number }) => join(pipesDir, `${node.index}.sock`);

export function nodeInit(node: Node, nodes: readonly Node[], plan: Plan, capacity: number, paths: InitPaths): NodeInit {
  const socketOf = (channel: string) => {
    const to = plan.channels.find((c) => c.id === channel)!.to;
    return to === "session" ? paths.nodesSocket : listenPath(paths.pipesDir, nodes.find((n) => n.id === to.node)!);
  };
  return {
    t: "node.init",
    config: node.config.config,
    capacity,
    listen: node.plan.inputs.length ? listenPath(paths.pipesDir, node) : null,
    inputs: node.plan.inputs,
    outputs: node.plan.outputs.map((o) => ({ port: o.port, channels: o.channels.map((channel) => ({ channel, path: socketOf(channel) })) })),
    arrays: { dir: paths.arraysDir, prefix: `${paths.prefix}n${node.index}`, accept: paths.prefix },
  };
}
