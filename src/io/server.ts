/**
 * io.sock: one listener for workers and for the supervisor, told apart by their hello.
 *
 * Messages are routed by tag to the worker link, the API operations, or the supervisor
 * events. A message that does not fit the connection's role is logged and ignored; a frame
 * that does not parse has already closed its connection (see protocol/connection.ts).
 */
import { chmodSync, rmSync } from "node:fs";
import { connectionHandlers, socketBytes, type Connection } from "../protocol/connection.ts";
import { FrameError } from "../protocol/frames.ts";
import { PROTOCOL_VERSION, type Event, type Message, type Req } from "../protocol/messages.ts";
import type { ArrayOps } from "./array-ops.ts";
import type { Engine } from "./engine.ts";
import { ioMetrics } from "./metrics-op.ts";
import type { Ops, Reply } from "./ops.ts";
import type { ScheduleOps } from "./schedules/ops.ts";
import type { ExitReport, WorkerLink } from "./worker-link.ts";

type Role = { kind: "unknown" } | { kind: "worker" } | { kind: "supervisor" };

export class IoServer {
  supervisor: Connection | null = null;
  private readonly roles = new WeakMap<Connection, Role>();

  constructor(
    private readonly engine: Engine,
    private readonly link: WorkerLink,
    private readonly ops: Ops,
    private readonly arrayOps: ArrayOps,
    private readonly log: (line: string) => void,
    private readonly schedules?: ScheduleOps,
  ) {}

  listen(path: string): void {
    rmSync(path, { force: true });
    Bun.listen<Connection>({
      unix: path,
      socket: connectionHandlers({
        onMessage: (conn, message) => this.route(conn, message),
        onClose: (conn, reason) => this.closed(conn, reason),
        log: this.log,
      }),
    });
    chmodSync(path, 0o600);
  }

  /** Sends an event to the supervisor, if it is connected. */
  notify(kind: string, data: Record<string, unknown>): void {
    this.supervisor?.send({ t: "event", kind, data });
  }

  private route(conn: Connection, message: Message): void {
    const role = this.roles.get(conn) ?? { kind: "unknown" };
    if (message.t === "hello") {
      if (message.role === "supervisor") {
        // Only the process that spawned this engine is its supervisor; a second one would
        // take over the event channel (kill requests, worker announcements).
        if (message.pid !== process.ppid) {
          conn.close(`a supervisor hello from pid ${message.pid}, but this engine's supervisor is pid ${process.ppid}`);
          return;
        }
        this.roles.set(conn, { kind: "supervisor" });
        this.supervisor = conn;
        conn.send({ t: "welcome", v: PROTOCOL_VERSION, io_pid: process.pid });
      } else {
        this.roles.set(conn, { kind: "worker" });
        this.link.hello(conn, message);
      }
      return;
    }
    if (message.t === "fatal") return this.link.fatal(conn, message);
    if (role.kind === "worker") {
      if (message.t === "result") return this.link.result(conn, message);
      if (message.t === "progress") return this.link.progress(conn, message);
      if (message.t === "pong") return;
    } else if (role.kind === "supervisor") {
      if (message.t === "req") return this.request(conn, message);
      if (message.t === "event") return this.supervisorEvent(message);
    }
    this.log(`ignoring a '${message.t}' message from a ${role.kind} connection`);
  }

  private closed(conn: Connection, reason: string): void {
    const role = this.roles.get(conn);
    if (role?.kind === "worker") this.link.closed(conn);
    if (role?.kind === "supervisor" && this.supervisor === conn) this.supervisor = null;
    if (!reason.startsWith("peer closed")) this.log(`connection closed: ${reason}`);
  }

  private supervisorEvent(event: Event): void {
    if (event.kind === "worker.exited") this.link.exited(event.data as ExitReport);
    else if (event.kind === "worker.stopping") this.link.stopping(String(event.data.worker_id), Number(event.data.pid));
    else if (event.kind === "events.listen") this.engine.ledger.events.listening = event.data.on === true;
  }

  private request(conn: Connection, req: Req): void {
    const reply: Reply = (status, body) => {
      const retry = (body as { error?: { retry_after_s?: number } })?.error?.retry_after_s;
      try {
        conn.send({ t: "res", id: req.id, status, body: JSON.stringify(body), ...(retry !== undefined ? { retry_after_s: retry } : {}) });
      } catch (err) {
        if (!(err instanceof FrameError)) throw err;
        // An answer over the frame cap (a page of big jobs, say): say so instead of nothing.
        const message = `the answer is too large for one frame (${err.message}); ask for less, e.g. a smaller limit`;
        conn.send({ t: "res", id: req.id, status: 413, body: JSON.stringify({ error: { code: "too_large", message } }) });
      }
    };
    const args = (req.args ?? {}) as never;
    switch (req.op) {
      case "submit": return this.ops.submit(args, reply);
      case "batch": return this.ops.batch(args, reply);
      case "get": return this.ops.get(args, reply);
      case "list": return this.ops.list(args, reply);
      case "cancel": return this.ops.cancel(args, reply);
      case "status": return reply(200, this.status());
      case "workers": return reply(200, this.workers());
      case "metrics": return reply(200, ioMetrics(this.engine, this.status()));
      case "drain": return this.drain(args, reply);
      case "array.create": return this.arrayOps.create(args, reply);
      case "array.commit": return this.arrayOps.commit(args, reply);
      case "array.get": return this.arrayOps.get(args, reply);
      case "array.list": return this.arrayOps.list(args, reply);
      case "array.delete": return this.arrayOps.delete(args, reply);
      default:
        if (this.schedules?.handle(req.op, args, reply)) return;
        return reply(400, { error: { code: "bad_request", message: `unknown operation '${req.op}'` } });
    }
  }

  private status() {
    const pools: Record<string, { queued: number; workers: number; busy: number }> = {};
    for (const [name, pool] of this.engine.pools) pools[name] = { queued: pool.waiting, workers: 0, busy: 0 };
    for (const worker of this.link.workers.values()) {
      const entry = pools[worker.pool];
      if (!entry) continue;
      entry.workers++;
      if (worker.state.kind === "busy") entry.busy++;
    }
    const arrays = this.engine.arrays;
    return {
      pid: process.pid,
      uptime_s: Math.round(process.uptime()),
      pools,
      jobs: { ...this.engine.ledger.counts },
      arrays: { count: arrays.count, bytes: arrays.usedBytes, spare_bytes: arrays.spares.bytes, max_bytes: arrays.settings.maxBytes, dir: arrays.settings.dir },
      io_socket: { ...socketBytes },
    };
  }

  private workers() {
    return [...this.link.workers.values()].map((w) => ({
      id: w.id,
      pool: w.pool,
      pid: w.pid,
      state: w.state.kind,
      job: w.state.kind === "busy" ? w.state.job.id : null,
      jobs_done: w.jobsDone,
      tasks: [...w.tasks],
    }));
  }

  /**
   * Shutdown: dispatch stops at once; the answer comes when no job runs, or at the grace
   * deadline, when the jobs still running go back to queued (their attempt not counted).
   */
  private drain(args: { grace_ms?: number }, reply: Reply): void {
    this.engine.draining = true;
    for (const worker of this.link.workers.values()) {
      if (worker.reserved.length === 0) continue;
      this.engine.returnReserved(worker);
      worker.conn.send({ t: "drain" });
    }
    const deadline = Date.now() + (args.grace_ms ?? 0);
    const check = () => {
      if (this.engine.runningCount > 0 && Date.now() < deadline) return void setTimeout(check, 20);
      // Busy workers' timeouts must not fire a kill now; every running job goes back, once.
      for (const worker of this.link.workers.values()) if (worker.state.kind === "busy") this.engine.freeWorker(worker);
      const requeued: string[] = [];
      for (const job of this.engine.active.values()) {
        if (job.state === "running") (this.engine.requeue(job), requeued.push(job.id));
      }
      this.engine.journal.flush();
      reply(200, { requeued });
    };
    check();
  }
}

