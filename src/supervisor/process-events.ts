/**
 * What the process table does, told as `process.*` events on the bus, and the restart
 * counters `/metrics` reports (`gaia_worker_restarts_total`, by worker and reason).
 *
 * A killed worker reads, in order: `process.exited` (code, signal, and why: `crash`, or the
 * reason gaia stopped it), `process.restarted` (the restart is decided, after `delay_ms`),
 * `process.started` (the new pid), `process.ready` (its hello reached the IO engine).
 */
import type { Child, ExitInfo } from "./child.ts";
import type { EventBus } from "./events.ts";

export class ProcessEvents {
  /** Restarts per process, then per the reason of the exit that caused them. */
  readonly restarts = new Map<string, Map<string, number>>();

  constructor(private readonly bus: EventBus) {}

  private who(child: Child) {
    return { process: child.spec.name, pool: child.spec.pool, runtime: child.spec.runtime };
  }

  started(child: Child): void {
    this.bus.publish("process.started", { ...this.who(child), pid: child.pid });
  }

  ready(child: Child): void {
    this.bus.publish("process.ready", { ...this.who(child), pid: child.pid });
  }

  exited(child: Child, exit: ExitInfo): void {
    const { pid, code, signal, reason, detail } = exit;
    this.bus.publish("process.exited", { ...this.who(child), pid, code, signal, reason, detail });
  }

  restarted(child: Child, exit: ExitInfo, delayMs: number): void {
    const byReason = this.restarts.get(child.spec.name) ?? new Map<string, number>();
    byReason.set(exit.reason, (byReason.get(exit.reason) ?? 0) + 1);
    this.restarts.set(child.spec.name, byReason);
    this.bus.publish("process.restarted", { ...this.who(child), reason: exit.reason, delay_ms: delayMs, restarts: child.restarts });
  }

  crashlooping(pool: string, lastError: string | null): void {
    this.bus.publish("process.crashlooping", { pool, last_error: lastError });
  }
}
