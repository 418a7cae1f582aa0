/**
 * One supervised child process: the supervisor's handle on the IO engine, a worker, a spare
 * or a pipeline node.
 *
 * State is one union, never a pile of flags. `stop` is the only way a child is stopped: it
 * records the first reason (later ones do not overwrite it: the first cause of a death is the
 * one a job's error reports), sends SIGTERM (or SIGKILL when there is no grace), and SIGKILL
 * when the grace runs out; it resolves when the exit is seen.
 *
 * A spare's running process can be handed to another child (`adopt`): the worker whose place
 * it takes. The process keeps running; its exit and its output are then that child's, since
 * both are looked up through the process's `Running` record, which names its current owner.
 */
import type { Subprocess } from "bun";
import type { ExitInfo, ExitReason, StopReason } from "../protocol/reasons.ts";
import { startTime } from "../lib/proc.ts";
import type { LogStore } from "./logs.ts";

export type ChildSpec = {
  /** "io", the worker id "POOL-N" (stable across restarts), a spare's "POOL-sN", or a node's. */
  name: string;
  pool: string | null;
  runtime: "io" | "bun" | "python" | "node";
  argv: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  /** A spare of its pool: started and ready, it takes no job until it takes a worker's place. */
  spare: boolean;
  /** Extra file descriptors handed to the child after stdin, stdout and stderr (fd 3, ...). */
  fds?: number[];
  /** A pipeline node's session and node id (SPEC §12): never restarted. */
  session?: string;
  node?: string;
  /** A private-memory limit of its own (a pipeline node's memory_limit_mb); pools' come from the config. */
  memoryLimitMb?: number;
};

export type { ExitInfo };

type Proc = Subprocess<"pipe", "pipe", "pipe">;
/** A running process and the child that owns it now (a promoted spare's changes owner). */
type Running = { proc: Proc; owner: Child; since: number };

export type ChildState =
  | { kind: "starting"; run: Running; since: number }
  | { kind: "ready"; run: Running; since: number }
  | { kind: "stopping"; run: Running; since: number; reason: StopReason; detail: string | null }
  | { kind: "backoff"; until: number; timer: ReturnType<typeof setTimeout> }
  | { kind: "stopped" };

export type ChildHooks = {
  spawned(child: Child): void;
  exited(child: Child, exit: ExitInfo, uptimeMs: number, requested: StopReason | null): void;
};

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
    private readonly hooks: ChildHooks,
  ) {}

  get running(): boolean {
    return this.state.kind === "starting" || this.state.kind === "ready" || this.state.kind === "stopping";
  }

  spawn(): void {
    const proc = Bun.spawn(this.spec.argv, {
      // stdin is a pipe never written: EOF tells the child its supervisor is gone.
      stdio: ["pipe", "pipe", "pipe", ...(this.spec.fds ?? [])],
      env: this.spec.env,
      cwd: this.spec.cwd,
    }) as Proc;
    const since = Date.now();
    const run: Running = { proc, owner: this, since };
    this.logMark = this.logs.mark;
    this.state = { kind: "starting", run, since };
    this.pid = proc.pid;
    this.startTicks = startTime(proc.pid);
    const name = () => run.owner.spec.name;
    void this.logs.pump(name, proc.stdout, "info");
    void this.logs.pump(name, proc.stderr, "error");
    void proc.exited.then(() => run.owner.exited(run));
    this.hooks.spawned(this);
  }

  /**
   * Takes over `spare`'s running process (ready, modules loaded): from now on it is this
   * child's, with this child's name; the spare is left stopped, to be started again.
   */
  adopt(spare: Child): void {
    if (spare.state.kind !== "ready" || this.running) throw new Error(`cannot hand ${spare.spec.name} (${spare.state.kind}) to ${this.spec.name} (${this.state.kind})`);
    const run = spare.state.run;
    run.owner = this;
    this.state = { kind: "ready", run, since: Date.now() };
    this.pid = spare.pid;
    this.startTicks = spare.startTicks;
    this.logMark = this.logs.mark;
    spare.state = { kind: "stopped" };
    spare.pid = null;
  }

  /** True when this made it ready (it was starting, with this pid). */
  markReady(pid: number): boolean {
    if (this.state.kind !== "starting" || this.state.run.proc.pid !== pid) return false;
    this.state = { kind: "ready", run: this.state.run, since: this.state.since };
    return true;
  }

  /** Stops the child for `reason`; SIGKILL after `graceMs` (at once when 0). */
  stop(reason: StopReason, graceMs: number, detail: string | null = null): Promise<void> {
    if (this.state.kind === "backoff") {
      // Nothing runs to stop. A shutdown keeps it down; any other stop (a planned restart)
      // means "a fresh one": start it now rather than leave it stopped for good.
      clearTimeout(this.state.timer);
      this.state = { kind: "stopped" };
      if (reason !== "shutdown") this.spawn();
      return Promise.resolve();
    }
    if (this.state.kind === "stopped") return Promise.resolve();
    const { run } = this.state;
    if (this.state.kind !== "stopping") this.state = { kind: "stopping", run, since: this.state.since, reason, detail };
    run.proc.kill(graceMs > 0 ? "SIGTERM" : "SIGKILL");
    if (graceMs > 0) {
      const timer = setTimeout(() => run.proc.kill("SIGKILL"), graceMs);
      void run.proc.exited.then(() => clearTimeout(timer));
    }
    return run.proc.exited.then(() => undefined);
  }

  /** Waits `delayMs`, then spawns again (unless stopped meanwhile). */
  scheduleRestart(delayMs: number): void {
    if (delayMs <= 0) return this.spawn();
    const timer = setTimeout(() => this.state.kind === "backoff" && this.spawn(), delayMs);
    this.state = { kind: "backoff", until: Date.now() + delayMs, timer };
  }

  private exited(run: Running): void {
    const { proc, since } = run;
    const requested = this.state.kind === "stopping" ? this.state.reason : null;
    const reason: ExitReason = requested ?? "crash";
    const exit: ExitInfo = {
      pid: proc.pid,
      code: proc.exitCode,
      signal: proc.signalCode == null ? null : String(proc.signalCode),
      reason,
      detail: this.state.kind === "stopping" ? this.state.detail : null,
      at: new Date().toISOString(),
    };
    this.lastExit = exit;
    this.pid = null; // a kill pinned to the old pid must not match while it waits to restart
    this.state = { kind: "stopped" };
    this.hooks.exited(this, exit, Date.now() - since, requested);
  }
}
