/**
 * One supervised child process: the supervisor's handle on the IO engine or on a worker.
 *
 * State is one union, never a pile of flags. `stop` is the only way a child is stopped: it
 * records the first reason (later ones do not overwrite it: the first cause of a death is the
 * one a job's error reports), sends SIGTERM (or SIGKILL when there is no grace), and SIGKILL
 * when the grace runs out; it resolves when the exit is seen.
 */
import type { Subprocess } from "bun";
import type { LogStore } from "./logs.ts";
import { startTime } from "../lib/proc.ts";

export type ChildSpec = {
  /** "io", or the worker id "POOL-N", stable across restarts. */
  name: string;
  pool: string | null;
  runtime: "io" | "bun" | "python";
  argv: string[];
  env: Record<string, string | undefined>;
  cwd: string;
};

/** How a child ended; `detail` says more about a stop gaia asked for (the memory figures). */
export type ExitInfo = { pid: number; code: number | null; signal: string | null; reason: string; detail: string | null; at: string };

export type ChildState =
  | { kind: "starting"; proc: Subprocess<"pipe", "pipe", "pipe">; since: number }
  | { kind: "ready"; proc: Subprocess<"pipe", "pipe", "pipe">; since: number }
  | { kind: "stopping"; proc: Subprocess<"pipe", "pipe", "pipe">; since: number; reason: string; detail: string | null }
  | { kind: "backoff"; until: number; timer: ReturnType<typeof setTimeout> }
  | { kind: "stopped" };

export class Child {
  state: ChildState = { kind: "stopped" };
  restarts = 0;
  consecutiveCrashes = 0;
  lastExit: ExitInfo | null = null;
  pid: number | null = null;
  startTicks: number | null = null;
  /** The log's mark when this run began: lines after it are this run's. */
  logMark = 0;

  constructor(
    readonly spec: ChildSpec,
    private readonly logs: LogStore,
    private readonly hooks: {
      spawned(child: Child): void;
      exited(child: Child, exit: ExitInfo, uptimeMs: number, requested: string | null): void;
    },
  ) {}

  get running(): boolean {
    return this.state.kind === "starting" || this.state.kind === "ready" || this.state.kind === "stopping";
  }

  spawn(): void {
    const proc = Bun.spawn(this.spec.argv, {
      stdin: "pipe", // never written: EOF tells the child its supervisor is gone
      stdout: "pipe",
      stderr: "pipe",
      env: this.spec.env,
      cwd: this.spec.cwd,
    });
    const since = Date.now();
    this.logMark = this.logs.mark;
    this.state = { kind: "starting", proc, since };
    this.pid = proc.pid;
    this.startTicks = startTime(proc.pid);
    void this.logs.pump(this.spec.name, proc.stdout, "info");
    void this.logs.pump(this.spec.name, proc.stderr, "error");
    void proc.exited.then(() => this.exited(proc, since));
    this.hooks.spawned(this);
  }

  /** True when this made it ready (it was starting, with this pid). */
  markReady(pid: number): boolean {
    if (this.state.kind !== "starting" || this.state.proc.pid !== pid) return false;
    this.state = { kind: "ready", proc: this.state.proc, since: this.state.since };
    return true;
  }

  /** Stops the child for `reason`; SIGKILL after `graceMs` (at once when 0). */
  stop(reason: string, graceMs: number, detail: string | null = null): Promise<void> {
    if (this.state.kind === "backoff") {
      // Nothing runs to stop. A shutdown keeps it down; any other stop (a planned restart)
      // means "a fresh one": start it now rather than leave it stopped for good.
      clearTimeout(this.state.timer);
      this.state = { kind: "stopped" };
      if (reason !== "shutdown") this.spawn();
      return Promise.resolve();
    }
    if (this.state.kind === "stopped") return Promise.resolve();
    const { proc } = this.state;
    if (this.state.kind !== "stopping") this.state = { kind: "stopping", proc, since: this.state.since, reason, detail };
    proc.kill(graceMs > 0 ? "SIGTERM" : "SIGKILL");
    if (graceMs > 0) {
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      void proc.exited.then(() => clearTimeout(timer));
    }
    return proc.exited.then(() => undefined);
  }

  /** Waits `delayMs`, then spawns again (unless stopped meanwhile). */
  scheduleRestart(delayMs: number): void {
    if (delayMs <= 0) return this.spawn();
    const timer = setTimeout(() => this.state.kind === "backoff" && this.spawn(), delayMs);
    this.state = { kind: "backoff", until: Date.now() + delayMs, timer };
  }

  private exited(proc: Subprocess<"pipe", "pipe", "pipe">, since: number): void {
    const requested = this.state.kind === "stopping" ? this.state.reason : null;
    const detail = this.state.kind === "stopping" ? this.state.detail : null;
    const exit: ExitInfo = {
      pid: proc.pid,
      code: proc.exitCode,
      signal: proc.signalCode == null ? null : String(proc.signalCode),
      reason: requested ?? "crash",
      detail,
      at: new Date().toISOString(),
    };
    this.lastExit = exit;
    this.pid = null; // a kill pinned to the old pid must not match while it waits to restart
    this.state = { kind: "stopped" };
    this.hooks.exited(this, exit, Date.now() - since, requested);
  }
}
