/**
 * Hooks that run a session runtime without the supervisor: node processes spawned here with
 * Bun.spawn, as the supervisor would (stdin a pipe never written, so a node exits when this
 * process dies; stdout and stderr read line by line, the last lines kept for the exit report;
 * GAIA_SECRET in the environment). For tests, benchmarks and the example, not for `gaia start`.
 */
import type { Subprocess } from "bun";
import type { NodeExit } from "./failure.ts";
import type { NodeLaunch } from "./launch.ts";
import type { RuntimeHooks, SessionEventKind } from "./session.ts";

const TAIL_LINES = 50;

export type Spawned = { launch: NodeLaunch; proc: Subprocess<"pipe", "pipe", "pipe">; lines: string[]; done: Promise<void> };

export class LocalLauncher {
  readonly spawned = new Map<number, Spawned>();
  readonly events: { kind: SessionEventKind; data: Record<string, unknown> }[] = [];
  readonly logs: string[] = [];
  /** Set once the runtime exists: every exit is reported to it. */
  onExit: (pid: number, exit: NodeExit) => void = () => {};

  constructor(
    private readonly secret: string,
    /** Also write every node's lines here (a prefix and the line), e.g. console.error. */
    private readonly echo: ((line: string) => void) | null = null,
  ) {}

  hooks(): RuntimeHooks {
    return {
      spawn: (launch) => Promise.resolve({ pid: this.spawn(launch) }),
      kill: (pid, signal) => this.spawned.get(pid)?.proc.kill(signal),
      publish: (kind, data) => void this.events.push({ kind, data }),
      log: (line) => {
        this.logs.push(line);
        this.echo?.(`runtime: ${line}`);
      },
    };
  }

  private spawn(launch: NodeLaunch): number {
    const proc = Bun.spawn(launch.argv, {
      env: { ...launch.env, GAIA_SECRET: this.secret },
      stdin: "pipe", // never written: EOF tells the node its parent is gone
      stdout: "pipe",
      stderr: "pipe",
    });
    const lines: string[] = [];
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      let rest = "";
      for await (const chunk of stream) {
        const parts = (rest + decoder.decode(chunk, { stream: true })).split("\n");
        rest = parts.pop()!;
        for (const line of parts) this.keep(launch, lines, line);
      }
      if (rest) this.keep(launch, lines, rest);
    };
    const done = Promise.all([pump(proc.stdout), pump(proc.stderr), proc.exited]).then(() => {
      const signal = proc.signalCode == null ? null : String(proc.signalCode);
      this.onExit(proc.pid, { code: signal ? null : proc.exitCode, signal, lines: lines.slice(-TAIL_LINES) });
    });
    this.spawned.set(proc.pid, { launch, proc, lines, done });
    return proc.pid;
  }

  private keep(launch: NodeLaunch, lines: string[], line: string): void {
    lines.push(line);
    if (lines.length > TAIL_LINES * 4) lines.splice(0, lines.length - TAIL_LINES);
    this.echo?.(`${launch.name}: ${line}`);
  }

  /** Every line a node (by id, in any session) printed, for tests that look for a log line. */
  linesOf(node: string): string[] {
    return [...this.spawned.values()].filter((s) => s.launch.node === node).flatMap((s) => s.lines);
  }

  /** Pids of spawned processes that have not exited. */
  alive(): number[] {
    return [...this.spawned.values()].filter((s) => s.proc.exitCode === null && s.proc.signalCode === null).map((s) => s.proc.pid);
  }

  /** SIGKILLs whatever is still running and waits for it (test clean-up). */
  async stopAll(): Promise<void> {
    for (const s of this.spawned.values()) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill("SIGKILL");
    await Promise.all([...this.spawned.values()].map((s) => s.done));
  }
}
