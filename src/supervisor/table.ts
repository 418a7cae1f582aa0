/**
 * The process table: every child of the supervisor, and each pool's crash history.
 *
 * This is the thin shell around the pure restart policy: an exit comes in, the policy
 * decides, the table restarts the child (or hands it a ready spare) and records why. A pool
 * (and the IO engine, which counts as its own pool "io") is `starting` until all its
 * children said hello, `crashlooping` while it crashes more than `restart.intensity` times
 * per `restart.period_s`.
 *
 * Spares (SPEC §1): when a worker ends and is to be restarted, a ready spare of its pool
 * takes its place at once (`Child.adopt`: same worker id, the spare's pid) and the spare's
 * slot starts a new spare, after the delay the policy decided, so a crashing task cannot
 * spin the pool. With no ready spare the worker restarts as it always did.
 */
import type { Config } from "../config/schema.ts";
import type { StopReason } from "../protocol/reasons.ts";
import { Child, type ChildSpec, type ExitInfo } from "./child.ts";
import type { LogStore } from "./logs.ts";
import { decideRestart, recentCrashes, type ExitKind } from "./restart-policy.ts";

export type PoolHealth = { crashes: number[]; lastError: string | null };
export type PoolState = "ok" | "starting" | "crashlooping";

export type TableHooks = {
  spawned(child: Child): void;
  exited(child: Child, exit: ExitInfo): void;
  /** A restart was decided: the child spawns again after `delayMs` (or took a spare's process). */
  restarting(child: Child, exit: ExitInfo, delayMs: number): void;
  /** `child` now runs the process that was `spare`'s. */
  promoted(child: Child, spare: Child): void;
  /** The pool just crossed its restart intensity. */
  crashlooping(pool: string, lastError: string | null): void;
  changed(): void;
};

export class ProcessTable {
  readonly children = new Map<string, Child>();
  readonly health = new Map<string, PoolHealth>();
  shuttingDown = false;

  constructor(
    private readonly config: Config,
    private readonly logs: LogStore,
    private readonly hooks: TableHooks,
  ) {}

  add(spec: ChildSpec): Child {
    const child = new Child(spec, this.logs, {
      spawned: (c) => (this.hooks.spawned(c), this.hooks.changed()),
      exited: (c, exit, uptimeMs, requested) => this.exited(c, exit, uptimeMs, requested),
    });
    this.children.set(spec.name, child);
    this.health.set(this.poolOf(child), this.health.get(this.poolOf(child)) ?? { crashes: [], lastError: null });
    return child;
  }

  poolOf(child: Child): string {
    return child.spec.pool ?? "io";
  }

  /** The pool's children: its workers, or its spares. */
  members(pool: string, spares = false): Child[] {
    return [...this.children.values()].filter((c) => c.spec.pool === pool && c.spec.spare === spares);
  }

  poolState(pool: string): PoolState {
    const health = this.health.get(pool);
    if (health && recentCrashes(health.crashes, Date.now(), this.config.restart.period_s).length > this.config.restart.intensity) return "crashlooping";
    const members = pool === "io" ? [this.children.get("io")!] : this.members(pool);
    return members.every((c) => c?.state.kind === "ready") ? "ok" : "starting";
  }

  private exited(child: Child, exit: ExitInfo, uptimeMs: number, requested: StopReason | null): void {
    this.hooks.exited(child, exit);
    if (child.spec.runtime === "node") {
      // A pipeline node lives for its session: its session decides what its end means.
      this.children.delete(child.spec.name);
      return this.hooks.changed();
    }
    const kind: ExitKind = this.shuttingDown || requested === "shutdown" ? "shutdown" : requested === null ? "crash" : "planned";
    const health = this.health.get(this.poolOf(child))!;
    if (kind === "crash") health.lastError = this.describeCrash(child, exit, uptimeMs);
    const decision = decideRestart({
      exit: kind,
      now: Date.now(),
      uptimeMs,
      consecutive: child.consecutiveCrashes,
      poolCrashes: health.crashes,
      config: this.config.restart,
    });
    if (decision.action === "stay_down") return this.hooks.changed();
    const wasLooping = this.poolState(this.poolOf(child)) === "crashlooping";
    health.crashes = decision.poolCrashes;
    child.consecutiveCrashes = decision.consecutive;
    child.restarts++;
    const spare = child.spec.spare || child.spec.pool === null ? undefined : this.members(child.spec.pool, true).find((s) => s.state.kind === "ready");
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const next = spare ? `; spare ${spare.spec.name} (pid ${spare.pid}) takes its place` : `; restarting${decision.delayMs ? ` in ${decision.delayMs} ms` : ""}`;
    this.logs.write("supervisor", `${child.spec.name} (pid ${exit.pid}) ${how} (${exit.reason})${next}`);
    this.hooks.restarting(child, exit, spare ? 0 : decision.delayMs);
    if (decision.crashlooping && !wasLooping) {
      this.logs.write("supervisor", `pool ${this.poolOf(child)} is crashlooping: more than ${this.config.restart.intensity} crashes in ${this.config.restart.period_s} s; last error: ${health.lastError ?? "none"}`, "error");
      this.hooks.crashlooping(this.poolOf(child), health.lastError);
    }
    if (spare) {
      child.adopt(spare);
      this.hooks.promoted(child, spare);
      spare.scheduleRestart(decision.delayMs);
    } else child.scheduleRestart(decision.delayMs);
    this.hooks.changed();
  }

  /** A crash's story: how it ended, and the last lines this run of it printed. */
  private describeCrash(child: Child, exit: ExitInfo, uptimeMs: number): string {
    const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const last = (this.logs.tail(child.spec.name, 5, child.logMark) ?? []).map((l) => l.line).filter((l) => l.trim() !== "");
    return `${child.spec.name} ${how} after ${Math.round(uptimeMs)} ms${last.length ? `: ${last.join(" | ")}` : ""}`;
  }

  async stopAll(filter: (c: Child) => boolean, graceMs: number): Promise<void> {
    await Promise.all([...this.children.values()].filter(filter).map((c) => c.stop("shutdown", graceMs)));
  }
}
