/**
 * The session runtime (SPEC §12), hosted by the IO engine: it creates and ends sessions and
 * serves `<run_dir>/nodes.sock`, where every node process of every session says hello and
 * where nodes open the channels of session outputs. It spawns and kills nothing itself: the
 * hooks do (the supervisor, or a test harness), and whoever spawned a node reports its exit
 * through `nodeExited`.
 *
 * A connection on nodes.sock is told apart by its first frame: `node.hello` (a control link,
 * checked for the protocol version and the run's secret, refused with `fatal` and a log line
 * otherwise), `chan.open` (an output channel, checked by the session), anything else refused.
 * At start the runtime removes what an earlier IO engine's sessions left (sessions end with
 * the IO engine): their shared-memory files (`gaia-<instance>-p…`) and socket folders.
 */
import { chmodSync, rmSync } from "node:fs";
import { join } from "node:path";
import { refuseOpen, sameSecret } from "../../channels/consumer.ts";
import { listenFramed, type Framed } from "../../channels/framed.ts";
import { ChannelConsumer } from "../../channels/consumer.ts";
import { sweepPrefix } from "../../arrays/files.ts";
import { PROTOCOL_VERSION } from "../../protocol/messages.ts";
import { parsePipelineMessage } from "../../protocol/pipeline-messages.ts";
import { Describer } from "./describe.ts";
import type { NodeExit } from "./failure.ts";
import { checkPorts, planChannels, type Problem } from "./graph.ts";
import type { LaunchContext } from "./launch.ts";
import { NodeHandle } from "./node-handle.ts";
import { InlinePipeline, type PipelineDefinition } from "./schema.ts";
import { Session, type RuntimeHooks } from "./session.ts";
import type { SessionView } from "./session-view.ts";
import { pipelinePaths } from "../../protocol/pipeline-paths.ts";

export type RuntimeOptions = {
  runDir: string;
  arraysDir: string;
  /** The run's instance id (src/arrays/names.ts instanceId). */
  instance: string;
  /** The run's secret, as the supervisor hands it to children in GAIA_SECRET. */
  secret: string;
  launch: Omit<LaunchContext, "socket">;
  /** The config's `[[pipelines]]`, by name. */
  pipelines?: PipelineDefinition[];
};

/** A session that is not created; `status` is the HTTP status the lead answers with. */
export class PipelineRefusal extends Error {
  override name = "PipelineRefusal";
  constructor(
    readonly code: "invalid_pipeline" | "unknown_pipeline" | "session_exists" | "too_many_sessions",
    readonly status: 400 | 404 | 409 | 429,
    message: string,
  ) {
    super(message);
  }
}

const SESSION_ID_RE = /^[A-Za-z0-9_.-]{1,128}$/;
/** Ended sessions kept for GET /v1/sessions/ID. */
const KEEP_ENDED = 100;
/** A connection that says nothing for this long is closed. */
const HELLO_WITHIN_MS = 10_000;

const lines = (problems: Problem[], root: string) => problems.map((p) => `${[root, ...p.path].join(".")}: ${p.message}`).join("; ");

export class SessionRuntime {
  readonly socket: string;
  private readonly sessions = new Map<string, Session>();
  private readonly pipelines = new Map<string, PipelineDefinition>();
  private readonly reserved = new Map<string, string>(); // session id → pipeline name, while being created
  private readonly describer: Describer;
  private readonly launch: LaunchContext;
  private readonly listener: ReturnType<typeof listenFramed>;

  constructor(
    private readonly opts: RuntimeOptions,
    private readonly hooks: RuntimeHooks,
  ) {
    const paths = pipelinePaths(opts.runDir);
    this.socket = paths.control;
    const worst = join(paths.pipes, "0123456789abcdef", "99.sock");
    if (Buffer.byteLength(worst) > 107) throw new Error(`run_dir ${opts.runDir} is too long for node data sockets (${Buffer.byteLength(worst)} > 107 bytes): use a shorter run_dir`);
    this.launch = { ...opts.launch, socket: this.socket };
    this.describer = new Describer(this.launch);
    for (const p of opts.pipelines ?? []) this.pipelines.set(p.name, p);
    sweepPrefix(opts.arraysDir, `gaia-${opts.instance}-p`);
    rmSync(paths.pipes, { recursive: true, force: true });
    rmSync(this.socket, { force: true });
    this.listener = listenFramed(this.socket, {
      onOpen: (conn) => void setTimeout(() => conn.tag === null && !conn.closed && conn.drop(`nothing said within ${HELLO_WITHIN_MS} ms`), HELLO_WITHIN_MS),
      onFrame: (conn, raw) => this.route(conn, raw),
      onClose: (conn, reason) => this.closed(conn, reason),
      log: hooks.log,
    });
    chmodSync(this.socket, 0o600);
  }

  /** Replaces the named pipelines (a config reload, or `PUT /v1/pipelines/NAME`). */
  setPipelines(defs: PipelineDefinition[]): void {
    this.pipelines.clear();
    for (const p of defs) this.pipelines.set(p.name, p);
  }

  /** Checks and starts a session; resolves once its nodes are being spawned (initializing). */
  async create(pipeline: string | Record<string, unknown>, id?: string): Promise<Session> {
    const def = this.definition(pipeline);
    const sessionId = id ?? crypto.randomUUID();
    if (!SESSION_ID_RE.test(sessionId)) throw new PipelineRefusal("invalid_pipeline", 400, `session id ${JSON.stringify(sessionId)}: use 1-128 letters, digits, '_', '.' and '-'`);
    if (this.sessions.has(sessionId) || this.reserved.has(sessionId)) throw new PipelineRefusal("session_exists", 409, `session ${sessionId} already exists`);
    const live = [...this.sessions.values()].filter((s) => s.def.name === def.name && s.phase !== "ended").length;
    const pending = [...this.reserved.values()].filter((n) => n === def.name).length;
    if (live + pending >= def.max_sessions) {
      throw new PipelineRefusal("too_many_sessions", 429, `pipeline ${def.name} has ${live + pending} sessions, its max_sessions`);
    }
    this.reserved.set(sessionId, def.name);
    try {
      const { ports, problems } = await this.describer.ports(def.nodes);
      const all = problems.length ? problems : checkPorts(def, ports);
      if (all.length) throw new PipelineRefusal("invalid_pipeline", 400, lines(all, "pipeline"));
      const session = new Session(sessionId, def, planChannels(def, ports), {
        hooks: this.hooks, secret: this.opts.secret, instance: this.opts.instance, arraysDir: this.opts.arraysDir,
        pipesRoot: pipelinePaths(this.opts.runDir).pipes, launch: this.launch,
      });
      this.sessions.set(sessionId, session);
      session.launch();
      void session.ended.then(() => this.forgetOld());
      return session;
    } finally {
      this.reserved.delete(sessionId);
    }
  }

  private definition(pipeline: string | Record<string, unknown>): PipelineDefinition {
    if (typeof pipeline === "string") {
      const def = this.pipelines.get(pipeline);
      if (!def) throw new PipelineRefusal("unknown_pipeline", 404, `no pipeline named ${JSON.stringify(pipeline)} (pipelines: ${[...this.pipelines.keys()].join(", ") || "none"})`);
      return def;
    }
    const parsed = InlinePipeline.safeParse(pipeline);
    if (parsed.success) return parsed.data as PipelineDefinition;
    throw new PipelineRefusal("invalid_pipeline", 400, parsed.error.issues.map((i) => `pipeline.${i.path.join(".")}: ${i.message}`).join("; "));
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  list(): SessionView[] {
    return [...this.sessions.values()].map((s) => s.view());
  }

  terminate(id: string): Promise<SessionView> | null {
    return this.sessions.get(id)?.terminate() ?? null;
  }

  /** A node process exited (the lead's supervisor reports every exit); false: not a node's pid. */
  nodeExited(pid: number, exit: NodeExit): boolean {
    for (const s of this.sessions.values()) {
      const h = s.nodes.find((n) => n.pid === pid && !n.gone);
      if (h) {
        s.nodeExited(h, exit);
        return true;
      }
    }
    return false;
  }

  /** Gaia is stopping: every session is terminated (SPEC §1 Shutdown). */
  async shutdown(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.terminate()));
  }

  close(): void {
    this.listener.stop(true);
    rmSync(this.socket, { force: true });
  }

  private route(conn: Framed, raw: unknown): void {
    const tag = conn.tag;
    if (tag instanceof NodeHandle) return this.sessionOf(tag)?.control(tag, raw);
    if (tag instanceof ChannelConsumer) return tag.onFrame(raw);
    const parsed = parsePipelineMessage(raw);
    const m = parsed.ok ? parsed.message : null;
    if (m?.t === "chan.open") {
      const session = this.sessions.get(m.session);
      if (!session) return refuseOpen(conn, `no session ${m.session}`, this.hooks.log);
      return session.acceptOutput(conn, raw);
    }
    if (m?.t !== "node.hello") return this.refuse(conn, parsed.ok ? `expected node.hello or chan.open first, got '${parsed.message.t}'` : parsed.reason);
    if (m.v !== PROTOCOL_VERSION) return this.refuse(conn, `node hello with protocol version ${m.v}; this gaia speaks ${PROTOCOL_VERSION}`);
    if (!sameSecret(m.secret, this.opts.secret)) return this.refuse(conn, `node hello from pid ${m.pid} with a wrong secret`);
    const session = this.sessions.get(m.session);
    const why = session ? session.hello(conn, m) : `no session ${m.session}`;
    if (why) this.refuse(conn, why);
  }

  private refuse(conn: Framed, reason: string): void {
    this.hooks.log(`nodes.sock: refusing a connection: ${reason}`);
    conn.send({ t: "fatal", message: reason });
    void conn.flushed().then(() => conn.close(`refused: ${reason}`));
  }

  private closed(conn: Framed, reason: string): void {
    const tag = conn.tag;
    if (tag instanceof NodeHandle && tag.conn === conn) this.sessionOf(tag)?.controlClosed(tag, reason);
    else if (tag instanceof ChannelConsumer) tag.onClose(reason);
  }

  private sessionOf(h: NodeHandle): Session | undefined {
    for (const s of this.sessions.values()) if (s.nodes.includes(h)) return s;
    return undefined;
  }

  private forgetOld(): void {
    const ended = [...this.sessions.values()].filter((s) => s.phase === "ended");
    for (const s of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) this.sessions.delete(s.id);
  }
}
