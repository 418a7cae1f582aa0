/**
 * io.sock: one listener for workers and for the supervisor, told apart by their hello.
 *
 * A hello must carry this run's secret (random per run, made by the supervisor and handed
 * only to its children) and this build's protocol version; otherwise the peer gets a `fatal`
 * frame saying why, the connection closes, and the refusal is logged (SPEC §1). Messages are
 * then routed by role; one that does not fit the connection's role is logged and ignored. A
 * frame that does not parse has already closed its connection (protocol/connection.ts).
 */
import { timingSafeEqual } from "node:crypto";
import { chmodSync, rmSync } from "node:fs";
import { connectionHandlers, type Connection } from "../protocol/connection.ts";
import { PROTOCOL_VERSION, type Hello, type Log, type Message } from "../protocol/messages.ts";
import type { Roster } from "./dispatch/roster.ts";
import type { Engine } from "./dispatch/engine.ts";
import type { WorkerEntry } from "./dispatch/worker.ts";
import type { SupervisorLink } from "./supervisor-link.ts";

type Role = { kind: "worker"; worker: WorkerEntry } | { kind: "supervisor" };

export type IoServerDeps = {
  secret: string;
  engine: Engine;
  roster: Roster;
  supervisor: SupervisorLink;
  /** Lines a worker's job printed. */
  jobLog(worker: WorkerEntry, log: Log): void;
  /** A worker that could not start (a module that fails to load) says why before any hello. */
  fatal(workerId: string | null, pool: string | null, message: string): void;
  log(line: string): void;
};

export class IoServer {
  private readonly roles = new WeakMap<Connection, Role>();

  constructor(private readonly deps: IoServerDeps) {}

  listen(path: string): void {
    rmSync(path, { force: true });
    Bun.listen<Connection>({
      unix: path,
      socket: connectionHandlers({
        onMessage: (conn, message) => this.route(conn, message),
        onClose: (conn, reason) => this.closed(conn, reason),
        log: this.deps.log,
      }),
    });
    chmodSync(path, 0o600);
  }

  private route(conn: Connection, message: Message): void {
    const role = this.roles.get(conn);
    if (message.t === "hello") return role ? this.deps.log(`ignoring a second hello on one connection`) : this.hello(conn, message);
    if (message.t === "fatal" && !role) return this.deps.fatal(message.worker_id ?? null, message.pool ?? null, message.message);
    if (role?.kind === "worker") {
      const { engine, roster } = this.deps;
      if (message.t === "result") {
        if (!engine.result(role.worker, message)) this.deps.log(`ignoring a result for job ${message.id} (attempt ${message.attempt}), which worker ${role.worker.id} was not given`);
        return;
      }
      if (message.t === "progress") return roster.progress(role.worker, message);
      if (message.t === "fatal") return this.deps.fatal(role.worker.id, role.worker.pool, message.message);
      if (message.t === "log") return this.deps.jobLog(role.worker, message);
      if (message.t === "pong") return;
    } else if (role?.kind === "supervisor") {
      if (message.t === "req" || message.t === "res" || message.t === "event") return this.deps.supervisor.message(conn, message);
    }
    this.deps.log(`ignoring a '${message.t}' message from a ${role?.kind ?? "connection that has not said hello"}`);
  }

  private hello(conn: Connection, hello: Hello): void {
    const refusal = this.refuse(hello);
    if (refusal) {
      this.deps.log(`refusing a ${hello.role} hello (pid ${hello.pid}): ${refusal}`);
      conn.send({ t: "fatal", message: `refused: ${refusal}` });
      return conn.close(`refused hello: ${refusal}`);
    }
    if (hello.role === "supervisor") {
      this.roles.set(conn, { kind: "supervisor" });
      conn.send({ t: "welcome", v: PROTOCOL_VERSION, io_pid: process.pid });
      return this.deps.supervisor.attach(conn);
    }
    this.deps.roster.hello(conn, hello);
    const worker = conn.tag as WorkerEntry | undefined;
    if (worker && !conn.closed) this.roles.set(conn, { kind: "worker", worker });
  }

  private refuse(hello: Hello): string | null {
    if (hello.v !== PROTOCOL_VERSION) return `protocol version ${hello.v}, but this IO engine speaks ${PROTOCOL_VERSION}`;
    if (!sameSecret(hello.secret, this.deps.secret)) return "the run's secret is missing or wrong";
    // The supervisor is the process that spawned this engine, and no other.
    if (hello.role === "supervisor" && hello.pid !== process.ppid) return `pid ${hello.pid} is not this engine's supervisor (pid ${process.ppid})`;
    return null;
  }

  private closed(conn: Connection, reason: string): void {
    const role = this.roles.get(conn);
    if (role?.kind === "worker") this.deps.roster.closed(role.worker);
    if (role?.kind === "supervisor") this.deps.supervisor.detached(conn);
    if (!reason.startsWith("peer closed") && !reason.startsWith("refused")) this.deps.log(`connection closed: ${reason}`);
  }
}

/** Compared in constant time: how much of a guess is right must not show in the timing. */
export function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}
