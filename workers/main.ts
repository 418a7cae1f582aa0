/**
 * The Bun worker process (`gaia __worker --socket P --pool NAME --id ID --modules JSON`).
 *
 * Reads top to bottom: load the task modules → connect and say hello → loop {receive a job,
 * run it, send its result} → exit. Jobs run one at a time; jobs that arrive while one runs
 * (the engine's prefetch under load) wait in `backlog`, in order. `cancel` drops a waiting
 * job, `drain` drops them all, and so does a lost connection: the engine takes them back. Signals only change state: the first SIGTERM is warm
 * (finish the running job, send its result, exit 0), the second is cold (exit now). EOF on
 * stdin means the supervisor is gone: exit at once. If the IO engine goes away the worker
 * keeps its job running, reconnects with backoff, names the job in its hello, and sends the
 * result once it is connected again. A result is kept until the engine acknowledges it (it
 * does so after the job's end is committed): the hello names every result still
 * unacknowledged and they are sent again, so none is lost with an engine.
 *
 * A spare (`--spare`) says hello as one, takes no job, and becomes the worker whose place it
 * takes when told (`promote`): from then on it says hello under that worker's id.
 */
import { connectUnix, type Connection } from "../src/protocol/connection.ts";
import { encodeFrame, FrameError } from "../src/protocol/frames.ts";
import { PROTOCOL_VERSION, type JobMessage, type Message, type Result } from "../src/protocol/messages.ts";
import { exitOnStdinEof } from "../src/lib/stdin-eof.ts";
import { GPUS } from "./gpus.ts";
import { JobLog } from "./job-log.ts";
import { loadTasks } from "./modules.ts";
import type { ArraysPlace } from "./arrays.ts";
import { runJob, toErrorInfo } from "./run-job.ts";
import type { TaskTable } from "./types.ts";

type Args = { socket: string; pool: string; id: string; modules: string[]; spare: boolean };
type State = { kind: "idle" } | { kind: "busy"; job: JobMessage };

const RECONNECT_FIRST_MS = 50;
/** A synchronous job longer than this ends a run of the backlog (see `work`). */
const YIELD_AFTER_MS = 1;
const RECONNECT_MAX_MS = 1000;

export async function runWorker(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  exitOnStdinEof(() => process.exit(0));
  // The run's secret, for the hello; out of the environment before any task runs, so the
  // processes a task spawns do not inherit it.
  const secret = process.env.GAIA_SECRET ?? "";
  delete process.env.GAIA_SECRET;
  let tasks: TaskTable;
  try {
    tasks = await loadTasks(args.modules);
  } catch (err) {
    await reportFatal(args, toErrorInfo(err).message);
    process.exit(1);
  }
  new Worker(args, secret, tasks).start();
}

class Worker {
  private conn: Connection | null = null;
  private state: State = { kind: "idle" };
  /** Results the engine has not acknowledged, as frames, oldest first; sent again after a reconnect. */
  private readonly unacked = new Map<string, { attempt: number; frame: Uint8Array }>();
  private backlog: JobMessage[] = [];
  private signals = 0;
  private readonly sessions = new Map<string, Record<string, unknown>>();
  /** Where outputs go, from the IO engine's welcome. */
  private place: ArraysPlace | null = null;
  /** What tasks print, tagged with their job and kept as the job's log. */
  private readonly jobLog = new JobLog((frame) => this.conn?.send(frame));

  constructor(
    private args: Args,
    private readonly secret: string,
    private readonly tasks: TaskTable,
  ) {}

  start(): void {
    this.jobLog.install();
    process.on("SIGTERM", () => this.onSignal());
    process.on("SIGINT", () => this.onSignal());
    void this.connect(RECONNECT_FIRST_MS);
  }

  /** First signal: warm (a running job finishes, then `run` exits); second: cold. */
  private onSignal(): void {
    this.signals++;
    if (this.signals > 1 || this.state.kind !== "busy") process.exit(0);
  }

  private async connect(delay: number): Promise<void> {
    for (;;) {
      try {
        this.conn = await connectUnix(this.args.socket, {
          onMessage: (_conn, message) => this.onMessage(message),
          onClose: () => this.onDisconnect(),
        });
        break;
      } catch {
        await Bun.sleep(delay);
        delay = Math.min(delay * 2, RECONNECT_MAX_MS);
      }
    }
    const running = this.state.kind === "busy" ? { id: this.state.job.id, attempt: this.state.job.attempt } : null;
    const unacked = [...this.unacked].map(([id, r]) => ({ id, attempt: r.attempt }));
    this.conn.send({
      t: "hello", v: PROTOCOL_VERSION, role: "worker", secret: this.secret, pool: this.args.pool, worker_id: this.args.id,
      pid: process.pid, runtime: "bun", tasks: Object.keys(this.tasks), spare: this.args.spare, gpus: [...GPUS], running, unacked,
    });
    for (const { frame } of this.unacked.values()) this.conn.sendFrame(frame);
  }

  private onDisconnect(): void {
    this.conn = null;
    this.backlog = [];
    void this.connect(RECONNECT_FIRST_MS);
  }

  private onMessage(message: Message): void {
    if (message.t === "welcome") this.place = message.arrays ?? null;
    else if (message.t === "job") {
      // Highest priority first, then in the order they came: as the engine expects (dispatch/worker.ts).
      let i = this.backlog.length;
      while (i > 0 && this.backlog[i - 1]!.priority < message.priority) i--;
      this.backlog.splice(i, 0, message);
      if (this.state.kind === "idle") this.work();
    } else if (message.t === "cancel") this.backlog = this.backlog.filter((j) => j.id !== message.id);
    else if (message.t === "drain") this.backlog = [];
    else if (message.t === "ack") for (const id of message.ids) this.unacked.delete(id);
    else if (message.t === "promote") this.args = { ...this.args, id: message.worker_id, spare: false };
    else if (message.t === "ping") this.conn?.send({ t: "pong", n: message.n });
    else if (message.t === "fatal") {
      // Refused (a wrong secret or version): nothing this process can do will change that.
      console.error(`the IO engine refused this worker: ${message.message}`);
      process.exit(1);
    }
  }

  /**
   * Runs the backlog in order, one job at a time. Synchronous jobs run in one loop, so the
   * results of a burst leave in one write; an asynchronous one resumes the loop when done.
   */
  private work(): void {
    for (let job = this.backlog.shift(); job; job = this.backlog.shift()) {
      this.state = { kind: "busy", job };
      this.jobLog.begin(job.id, job.attempt);
      const started = performance.now();
      const result = runJob(job, this.tasks, this.sessions, (fraction, message) =>
        this.conn?.send({ t: "progress", id: job!.id, fraction, message }),
        this.place,
      );
      if (result instanceof Promise) {
        void result.then((settled) => this.finished(settled) && this.work());
        return;
      }
      if (!this.finished(result)) return;
      // After a job that took a while, read the socket before the next one: a cancel or
      // drain sent meanwhile must apply to the rest of the backlog.
      if (performance.now() - started > YIELD_AFTER_MS && this.backlog.length > 0) {
        setImmediate(() => this.state.kind === "idle" && this.work());
        return;
      }
    }
  }

  /** Sends the result; false when the worker is stopping (it exits once the result is out). */
  private finished(result: Result): boolean {
    this.jobLog.end(); // its lines leave before its result
    this.state = { kind: "idle" };
    this.send(result);
    if (this.signals === 0) return true;
    void exitWhenFlushed(this.conn);
    return false;
  }

  /** Keeps a result until it is acknowledged, and sends it now if connected. */
  private send(result: Result): void {
    const frame = resultFrame(result);
    this.unacked.set(result.id, { attempt: result.attempt, frame });
    if (this.conn && !this.conn.closed) this.conn.sendFrame(frame);
  }
}

/**
 * The result as it can travel: a value that cannot be framed (a cycle, a function, over
 * 16 MiB) fails its job instead, with the reason.
 */
function resultFrame(result: Result): Uint8Array {
  try {
    return encodeFrame(result);
  } catch (err) {
    const { value: _unsendable, ...rest } = result;
    const message = `the task's return value cannot be sent back: ${(err as Error).message}`;
    return encodeFrame({ ...rest, ok: false, error: { type: err instanceof FrameError ? "ResultTooLarge" : "ResultError", message } });
  }
}

async function exitWhenFlushed(conn: Connection | null): Promise<never> {
  for (let i = 0; i < 100 && conn && !conn.closed && conn.buffered > 0; i++) await Bun.sleep(5);
  process.exit(0);
}

/** A module that fails to load: say why on stderr and, if the IO engine answers, as `fatal`. */
async function reportFatal(args: Args, message: string): Promise<void> {
  console.error(message);
  try {
    const conn = await connectUnix(args.socket, { onMessage() {}, onClose() {} });
    conn.send({ t: "fatal", message, worker_id: args.id, pool: args.pool });
    await Bun.sleep(20);
  } catch {
    // The supervisor also has our stderr; that is enough.
  }
}

function parseArgs(argv: string[]): Args {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    if (i < 0 || i + 1 >= argv.length) throw new Error(`gaia __worker: missing ${flag}`);
    return argv[i + 1]!;
  };
  return { socket: get("--socket"), pool: get("--pool"), id: get("--id"), modules: JSON.parse(get("--modules")) as string[], spare: argv.includes("--spare") };
}
