/**
 * What the process table does, told as `process.*` events to the IO engine's bus (over the
 * link, kept while the engine is away), and the restart counters `/metrics` reports
 * (`gaia_worker_restarts_total`, by worker and reason).
 *
 * A killed worker reads, in order: `process.exited` (code, signal, and why: `crash`, or the
 * reason gaia stopped it), `process.restarted` (the restart is decided, after `delay_ms`),
 * then either `process.promoted` (a spare's process took its place, at once) or
 * `process.started` (a new pid) and `process.ready` (its hello reached the IO engine).
 */
import type { ProcessEvent } from "../protocol/link-messages.ts";
import type { Child, ExitInfo } from "./child.ts";
import type { IoLink } from "./link.ts";

export class ProcessEvents {
  /** Restarts per process, then per the reason of the exit that caused them. */
  readonly restarts = new Map<string, Map<string, number>>();

  constructor(private readonly link: IoLink) {}

  private who(child: Child) {
    const { name, pool, runtime, session, node } = child.spec;
    return { process: name, pool, runtime, ...(session !== undefined ? { session, node } : {}) };
  }

  private tell(event: ProcessEvent): void {
    this.link.notify({ kind: "process", at: new Date().toISOString(), event });
  }

  started(child: Child): void {
    this.tell({ kind: "process.started", data: { ...this.who(child), pid: child.pid, spare: child.spec.spare } });
  }

  ready(child: Child): void {
    this.tell({ kind: "process.ready", data: { ...this.who(child), pid: child.pid, spare: child.spec.spare } });
  }

  exited(child: Child, exit: ExitInfo): void {
    const { pid, code, signal, reason, detail } = exit;
    this.tell({ kind: "process.exited", data: { ...this.who(child), pid, code, signal, reason, detail } });
  }

  restarted(child: Child, exit: ExitInfo, delayMs: number): void {
    const byReason = this.restarts.get(child.spec.name) ?? new Map<string, number>();
    byReason.set(exit.reason, (byReason.get(exit.reason) ?? 0) + 1);
    this.restarts.set(child.spec.name, byReason);
    this.tell({ kind: "process.restarted", data: { ...this.who(child), reason: exit.reason, delay_ms: delayMs, restarts: child.restarts } });
  }

  promoted(child: Child, spare: Child): void {
    this.tell({ kind: "process.promoted", data: { ...this.who(child), pid: child.pid!, spare: spare.spec.name } });
    this.link.notify({ kind: "spare.promoted", worker_id: child.spec.name, pid: child.pid!, spare: spare.spec.name });
  }

  crashlooping(pool: string, lastError: string | null): void {
    this.tell({ kind: "process.crashlooping", data: { pool, last_error: lastError } });
  }
}
