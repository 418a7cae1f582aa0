/**
 * The session runtime's view of one node process. Its phase is one union; the pid (known once
 * spawned) and the control connection (held from hello until it closes) are facts beside it.
 *
 *   spawning → starting{pid} → initializing (hello, init sent) → ready → running (start sent)
 *            → closing (close sent) | stopping (signalled) → exited{exit}
 */
import type { Framed } from "../../channels/framed.ts";
import type { ErrorInfo } from "../../protocol/messages.ts";
import type { NodeStats } from "../../protocol/pipeline-messages.ts";
import type { NodeExit } from "./failure.ts";
import type { NodePlan } from "./graph.ts";
import type { PipelineNodeConfig } from "./schema.ts";

export type NodePhase =
  | { kind: "spawning" }
  | { kind: "starting" }
  | { kind: "initializing"; since: number }
  | { kind: "ready" }
  | { kind: "running" }
  | { kind: "closing"; since: number }
  | { kind: "stopping"; signal: "SIGTERM" | "SIGKILL" }
  | { kind: "exited"; exit: NodeExit; at: number };

export class NodeHandle {
  phase: NodePhase = { kind: "spawning" };
  pid: number | null = null;
  conn: Framed | null = null;
  /** The last figures the node sent (node.stats, or node.closed's final ones). */
  stats: NodeStats | null = null;
  /** The exception the node reported, kept for the failure its exit causes. */
  error: { phase: string; error: ErrorInfo } | null = null;
  readonly exited: Promise<void>;
  private resolveExited!: () => void;

  constructor(
    readonly index: number,
    readonly config: PipelineNodeConfig,
    readonly plan: NodePlan,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  get id(): string {
    return this.config.id;
  }

  get gone(): boolean {
    return this.phase.kind === "exited";
  }

  markExited(exit: NodeExit): void {
    if (this.phase.kind === "exited") return;
    this.phase = { kind: "exited", exit, at: Date.now() };
    this.conn = null;
    this.resolveExited();
  }
}
