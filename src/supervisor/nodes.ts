/**
 * Pipeline nodes' processes (SPEC §12), spawned when the IO engine's session runtime asks
 * (`node.spawn`): children like the others (stdin a pipe never written, their lines logged
 * under `session/<id>/<node>`, the registry, a memory limit of their own), but never
 * restarted: a node lives for its session, and its exit goes back to the engine with its
 * last lines (`node.exited`), which decides what it means for the session. A node that asks
 * for GPUs gets the devices with the most free memory in the last sample.
 */
import type { CallArgs, LinkEvent } from "../protocol/link-messages.ts";
import { CallRefusal } from "../protocol/calls.ts";
import type { GpuSample } from "../protocol/gpu-sample.ts";
import { gpuEnv } from "./gpu/assign.ts";
import type { Child } from "./child.ts";
import type { ProcessTable } from "./table.ts";
import type { LogStore } from "./logs.ts";

const LAST_LINES = 20;

export class NodeProcesses {
  constructor(
    private readonly table: ProcessTable,
    private readonly secret: string,
    private readonly gpus: () => GpuSample,
  ) {}

  spawn(args: CallArgs<"node.spawn">): { pid: number } {
    if (this.table.children.has(args.name)) throw new CallRefusal("exists", `a process named ${args.name} runs already`);
    const devices = this.devices(args.gpus);
    const env = { ...args.env, ...(devices.length ? gpuEnv(devices) : {}), GAIA_SECRET: this.secret };
    const child = this.table.add({
      name: args.name, pool: null, runtime: "node", argv: args.argv, env, cwd: process.cwd(), spare: false,
      session: args.session, node: args.node, memoryLimitMb: args.memory_limit_mb,
    });
    child.spawn();
    return { pid: child.pid! };
  }

  /** Pinned to the pid: a node is signalled only while that process is still the child. */
  kill(pid: number, signal: "SIGTERM" | "SIGKILL"): void {
    const child = [...this.table.children.values()].find((c) => c.spec.runtime === "node" && c.pid === pid);
    if (child) void child.stop("session", signal === "SIGTERM" ? 2000 : 0);
  }

  /** A count: the freest devices of the last sample; a list: those devices. */
  private devices(wanted: CallArgs<"node.spawn">["gpus"]) {
    const sample = this.gpus();
    const none = () => (sample.gpus.length ? `this host has ${sample.gpus.length}` : `none can be used: ${sample.reason ?? "no GPU"}`);
    if (Array.isArray(wanted)) {
      return wanted.map((ref) => {
        const found = sample.gpus.find((g) => (typeof ref === "number" ? g.index === ref : g.uuid.toLowerCase() === ref.toLowerCase()));
        if (!found) throw new CallRefusal("no_gpu", `the node asks for GPU ${ref}; ${none()}`);
        return found;
      });
    }
    if (wanted === 0) return [];
    if (sample.gpus.length < wanted) throw new CallRefusal("no_gpu", `the node asks for ${wanted} GPU(s); ${none()}`);
    return [...sample.gpus].sort((a, b) => (b.memory_free_bytes ?? 0) - (a.memory_free_bytes ?? 0)).slice(0, wanted);
  }
}

/** A node's process ended: the engine hears it with its last lines (its session decides the rest). */
export function tellNodeExit(child: Child, logs: LogStore, tell: (event: LinkEvent) => void): void {
  const exit = child.lastExit;
  if (child.spec.runtime !== "node" || !exit) return;
  const lines = (logs.tail(child.spec.name, LAST_LINES, child.logMark) ?? []).map((l) => l.line);
  tell({ kind: "node.exited", pid: exit.pid, name: child.spec.name, code: exit.code, signal: exit.signal, reason: exit.reason, detail: exit.detail, lines });
}
