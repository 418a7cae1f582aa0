/**
 * The IO engine's end of the supervisor's link (link-messages.ts): the calls it makes of the
 * supervisor (its process table and log rings for the API, restarts, shutdown), the events
 * it tells it (a worker is ready, kill this pid), and what the supervisor tells it (process
 * events for the bus, a worker's exit, a spare promoted, drain).
 */
import { Calls, type CallOutcome } from "../protocol/calls.ts";
import type { Connection } from "../protocol/connection.ts";
import type { GpuSample } from "../protocol/gpu-sample.ts";
import type { CallArgs, EventMessage, LinkEvent, Op, ProcessEvent, Req, Res } from "../protocol/link-messages.ts";

export type SupervisorLinkHooks = {
  drain(graceMs: number): Promise<string[]>;
  /** A process.* event, as the supervisor saw it at `at`. */
  processEvent(event: ProcessEvent, at: string): void;
  workerStopping(workerId: string, pid: number): void;
  sparePromoted(workerId: string, pid: number, spare: string): void;
  gpuSample(sample: GpuSample): void;
  nodeExited(event: Extract<LinkEvent, { kind: "node.exited" }>): void;
  /** The supervisor (re)connected: tell it again what it may have missed. */
  connected(): void;
  log(line: string): void;
};

export class SupervisorLink {
  private conn: Connection | null = null;
  private calls = new Calls({}, (line) => console.error(line));
  private hooks: SupervisorLinkHooks | null = null;

  /** What the supervisor's calls and events do here: given once the parts they reach exist. */
  handle(hooks: SupervisorLinkHooks): void {
    this.hooks = hooks;
    this.calls = new Calls({ drain: async ({ grace_ms }) => ({ requeued: await hooks.drain(grace_ms) }) }, hooks.log);
  }

  get connected(): boolean {
    return this.conn !== null && !this.conn.closed;
  }

  attach(conn: Connection): void {
    if (this.conn && this.conn !== conn) this.conn.close("replaced by the supervisor's new connection");
    this.conn = conn;
    this.hooks?.connected();
  }

  detached(conn: Connection): void {
    if (this.conn === conn) this.conn = null;
    this.calls.closed(conn);
  }

  call<O extends Op>(op: O, args: CallArgs<O>, timeoutMs = 2000): Promise<CallOutcome<O>> {
    return this.calls.call(this.conn, op, args, timeoutMs);
  }

  notify(event: LinkEvent): void {
    this.conn?.send({ t: "event", event });
  }

  message(conn: Connection, message: Req | Res | EventMessage): void {
    if (message.t === "req") return void this.calls.serve(conn, message);
    if (message.t === "res") return this.calls.answered(message);
    const event = message.event;
    const hooks = this.hooks;
    if (!hooks) return;
    switch (event.kind) {
      case "process":
        return hooks.processEvent(event.event, event.at);
      case "worker.stopping":
        return hooks.workerStopping(event.worker_id, event.pid);
      case "spare.promoted":
        return hooks.sparePromoted(event.worker_id, event.pid, event.spare);
      case "gpu.sample":
        return hooks.gpuSample(event.sample);
      case "node.exited":
        return hooks.nodeExited(event);
      default:
        hooks.log(`ignoring a '${event.kind}' event from the supervisor: it is one the IO engine sends`);
    }
  }
}
