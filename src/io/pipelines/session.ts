/**
 * One session (SPEC §12): the node processes of one running pipeline, their channels, its
 * inputs and outputs, and its life. The runtime (runtime.ts) routes control connections,
 * output channels and process exits here.
 *
 *   initializing ─ every node ready ─▶ ready ─ terminate() ─▶ terminating ─▶ terminated
 *        └─ crash, exception, init_timeout ─▶ failed ◀─ crash, exception, lost channel ─┘
 *
 * - create: a folder for the nodes' data sockets, a spawn per node, the init timer. Each
 *   node says hello on nodes.sock and gets its init; once every node is ready, every node
 *   gets `node.start` (producers connect) and the runtime connects the session's inputs.
 * - terminate: inputs end (after the frames already given), every node gets `node.close`,
 *   and has up to 5 s to finish its frames and exit; then teardown.
 * - failure (failure.ts decides, the first reason wins): teardown at once.
 * - teardown: SIGTERM to every node still alive, SIGKILL 2 s later (through the kill hook),
 *   connections closed, then every shared-memory file of the session (one sweep by its
 *   prefix) and the socket folder removed. `ended` resolves after that.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Framed } from "../../channels/framed.ts";
import { SlotMaps, SlotPool } from "../../channels/slots.ts";
import { sweepPrefix } from "../../arrays/files.ts";
import { PROTOCOL_VERSION } from "../../protocol/messages.ts";
import { parsePipelineMessage, type NodeHello, type NodeInit } from "../../protocol/pipeline-messages.ts";
import { channelFailure, errorFailure, exitFailure, initTimeout, spawnFailure, type Failure, type NodeExit, type Phase } from "./failure.ts";
import type { Plan } from "./graph.ts";
import { nodeLaunch } from "./launch.ts";
import { listenPath, nodeInit } from "./node-init.ts";
import { NodeHandle } from "./node-handle.ts";
import type { PipelineDefinition } from "./schema.ts";
import { openOutput, SessionError, SessionInput, SessionOutput, type OutputCallback } from "./session-ports.ts";
import { sessionView, type SessionView } from "./session-view.ts";
import { CLOSE_GRACE_MS, EXPLAIN_MS, KILL_GRACE_MS, type SessionEnv, type SessionEventKind, type SessionState } from "./session-types.ts";

export type { RuntimeHooks, SessionEnv, SessionEventKind, SessionState } from "./session-types.ts";

export class Session {
  state: SessionState = { kind: "initializing", since: Date.now() };
  readonly token = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  readonly createdAt = Date.now();
  readyAt: number | null = null;
  readonly nodes: NodeHandle[];
  readonly inputs = new Map<string, SessionInput>();
  readonly outputs = new Map<string, SessionOutput>();
  readonly ended: Promise<SessionView>;
  private resolveEnded!: (view: SessionView) => void;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** The teardown, once begun (it runs once, whatever asked for it first). */
  private stopping: Promise<void> | null = null;

  constructor(
    readonly id: string,
    readonly def: PipelineDefinition,
    readonly plan: Plan,
    private readonly env: SessionEnv,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.nodes = def.nodes.map((n, i) => new NodeHandle(i, n, plan.nodes[i]!));
    const capacity = def.channel_capacity;
    for (const c of plan.channels) {
      if (c.from === "session" && c.to !== "session") {
        const name = `${c.to.node}.${c.to.port}`;
        const pool = new SlotPool(env.arraysDir, `${this.prefix}i${this.inputs.size}`, capacity + 2);
        const node = c.to.node;
        this.inputs.set(name, new SessionInput(name, c.id, pool, capacity, (p, reason) => this.lost(node, p.id, reason)));
      } else if (c.to === "session" && c.from !== "session") {
        const name = `${c.from.node}.${c.from.port}`;
        this.outputs.set(name, new SessionOutput(name, c.id, env.hooks.log));
      }
    }
  }

  /** Every shared-memory file of this session starts with this. */
  get prefix(): string {
    return `gaia-${this.env.instance}-p${this.token}`;
  }

  get pipesDir(): string {
    return join(this.env.pipesRoot, this.token);
  }

  get phase(): Phase {
    const k = this.state.kind;
    return k === "terminated" || k === "failed" ? "ended" : k;
  }

  launch(): void {
    mkdirSync(this.pipesDir, { recursive: true, mode: 0o700 });
    this.publish("session.created", { nodes: this.nodes.map((h) => h.id) });
    for (const h of this.nodes) {
      const launch = nodeLaunch(h.config, this.id, this.env.launch);
      Promise.resolve()
        .then(() => this.env.hooks.spawn(launch))
        .then(({ pid }) => this.spawned(h, pid), (err) => this.fail(spawnFailure(h.id, (err as Error)?.message ?? String(err))));
    }
    const seconds = this.def.init_timeout_s;
    this.after(seconds * 1000, () => this.state.kind === "initializing" && this.fail(initTimeout(this.nodes.filter((h) => h.phase.kind !== "ready").map((h) => h.id), seconds)));
  }

  private spawned(h: NodeHandle, pid: number): void {
    if (h.pid !== null && h.pid !== pid) return this.fail(spawnFailure(h.id, `spawned as pid ${pid} but pid ${h.pid} said hello for it`));
    h.pid = pid;
    if (h.phase.kind === "spawning") h.phase = { kind: "starting" };
    if (this.stopping && !h.gone) this.env.hooks.kill(pid, "SIGKILL"); // spawned after the end
  }

  /** A node's hello (secret and version already checked): null when accepted, else why not. */
  hello(conn: Framed, m: NodeHello): string | null {
    const h = this.nodes.find((n) => n.id === m.node);
    if (!h) return `session ${this.id} has no node '${m.node}'`;
    if (this.phase !== "initializing") return `session ${this.id} is ${this.state.kind}`;
    if (h.phase.kind !== "spawning" && h.phase.kind !== "starting") return `node '${m.node}' of session ${this.id} already said hello`;
    if (h.pid !== null && h.pid !== m.pid) return `node '${m.node}' was spawned as pid ${h.pid}, not ${m.pid}`;
    h.pid = m.pid;
    h.conn = conn;
    conn.tag = h;
    h.phase = { kind: "initializing", since: Date.now() };
    conn.send(this.initFor(h));
    return null;
  }

  private initFor(h: NodeHandle): NodeInit {
    return nodeInit(h, this.nodes, this.plan, this.def.channel_capacity, {
      nodesSocket: this.env.launch.socket, pipesDir: this.pipesDir, arraysDir: this.env.arraysDir, prefix: this.prefix,
    });
  }

  private listenPath(h: NodeHandle): string {
    return listenPath(this.pipesDir, h);
  }

  /** A message on a node's control connection. */
  control(h: NodeHandle, raw: unknown): void {
    const parsed = parsePipelineMessage(raw);
    if (!parsed.ok) return h.conn?.drop(parsed.reason);
    const m = parsed.message;
    if (m.t === "node.ready" && h.phase.kind === "initializing") {
      h.phase = { kind: "ready" };
      this.publish("session.node.ready", { node: h.id, pid: h.pid });
      if (this.state.kind === "initializing" && this.nodes.every((n) => n.phase.kind === "ready")) this.becomeReady();
    } else if (m.t === "node.error") {
      h.error = { phase: m.phase, error: m.error };
      this.after(EXPLAIN_MS, () => !h.gone && this.fail(errorFailure(this.phase, h.id, m.error)));
    } else if (m.t === "node.stats" || m.t === "node.closed") {
      h.stats = m.stats;
    } else if (m.t === "node.channel_lost") {
      this.lost(h.id, m.channel, m.reason);
    } else {
      this.env.hooks.log(`session ${this.id}: ignoring '${m.t}' from node '${h.id}'`);
    }
  }

  /** A node's control connection closed; its exit report should follow. */
  controlClosed(h: NodeHandle, reason: string): void {
    h.conn = null;
    if (h.gone) return;
    this.after(EXPLAIN_MS, () => !h.gone && this.fail(channelFailure(this.phase, h.id, "control", `${reason}, and the process did not exit`)));
  }

  private lost(node: string, channel: string, reason: string): void {
    this.after(EXPLAIN_MS, () => this.fail(channelFailure(this.phase, node, channel, reason)));
  }

  private becomeReady(): void {
    this.state = { kind: "ready", since: Date.now() };
    this.readyAt = Date.now();
    for (const h of this.nodes) {
      h.conn?.send({ t: "node.start" });
      h.phase = { kind: "running" };
    }
    for (const [name, input] of this.inputs) {
      const target = this.nodes.find((n) => n.id === name.split(".")[0])!;
      const open = { t: "chan.open", v: PROTOCOL_VERSION, secret: this.env.secret, session: this.id, channel: input.producer.id } as const;
      void input.producer.connect(this.listenPath(target), open, this.env.hooks.log);
    }
    this.publish("session.ready", {});
  }

  /** A producer connecting to nodes.sock to open one of this session's outputs. */
  acceptOutput(conn: Framed, raw: unknown): void {
    const capacity = this.def.channel_capacity;
    openOutput(this.outputs.values(), conn, raw, {
      secret: this.env.secret, session: this.id, capacity, log: this.env.hooks.log,
      maps: () => new SlotMaps(this.env.arraysDir, this.prefix, capacity + 4),
      lost: (out, reason) => this.phase !== "ended" && this.lost(out.name.split(".")[0]!, out.channel, reason),
    });
  }

  nodeExited(h: NodeHandle, exit: NodeExit): void {
    if (h.gone) return;
    h.markExited(exit);
    this.publish("session.node.exited", { node: h.id, pid: h.pid, code: exit.code, signal: exit.signal });
    const failure = exitFailure(this.phase, h.id, h.pid, exit, h.error?.error ?? null);
    if (failure) this.fail(failure);
  }

  input(port: string, value: unknown): Promise<void> {
    if (this.phase === "terminating" || this.phase === "ended") return Promise.reject(new SessionError("session_closed", `session ${this.id} is ${this.state.kind}`));
    const input = this.inputs.get(port);
    if (!input) return Promise.reject(new SessionError("unknown_port", `session ${this.id} has no input '${port}' (its inputs: ${[...this.inputs.keys()].join(", ") || "none"})`));
    return input.input(value);
  }

  /** Calls `cb` with each frame of output `port`, in order; returns the unsubscribe function. */
  onOutput(port: string, cb: OutputCallback): () => void {
    const out = this.outputs.get(port);
    if (!out) throw new SessionError("unknown_port", `session ${this.id} has no output '${port}' (its outputs: ${[...this.outputs.keys()].join(", ") || "none"})`);
    return out.subscribe(cb);
  }

  terminate(): Promise<SessionView> {
    if (this.phase !== "initializing" && this.phase !== "ready") return this.ended;
    const wasReady = this.phase === "ready";
    this.state = { kind: "terminating", since: Date.now() };
    this.publish("session.terminating", {});
    if (!wasReady) {
      void this.teardown();
      return this.ended;
    }
    for (const input of this.inputs.values()) void input.producer.end();
    for (const out of this.outputs.values()) out.release();
    for (const h of this.nodes) {
      h.conn?.send({ t: "node.close" });
      if (!h.gone) h.phase = { kind: "closing", since: Date.now() };
    }
    const finished = Promise.all([...this.nodes.map((h) => h.exited), ...[...this.outputs.values()].map((o) => o.ended)]);
    void Promise.race([finished, new Promise((r) => this.after(CLOSE_GRACE_MS, () => r(null)))]).then(() => this.teardown());
    return this.ended;
  }

  private fail(failure: Failure | null): void {
    if (!failure || this.phase === "ended") return;
    this.state = { kind: "failed", at: Date.now(), reason: failure };
    this.publish("session.failed", { reason: failure });
    void this.teardown();
  }

  private teardown(): Promise<void> {
    return (this.stopping ??= this.stopAll());
  }

  private async stopAll(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const input of this.inputs.values()) input.dispose(`session ${this.id} ended`);
    await this.signalAll("SIGTERM", KILL_GRACE_MS);
    await this.signalAll("SIGKILL", KILL_GRACE_MS);
    for (const h of this.nodes) if (!h.gone) this.env.hooks.log(`session ${this.id}: no exit reported for node '${h.id}' (pid ${h.pid}) after SIGKILL`);
    for (const h of this.nodes) h.conn?.close("session ended");
    for (const out of this.outputs.values()) out.dispose();
    sweepPrefix(this.env.arraysDir, this.prefix);
    rmSync(this.pipesDir, { recursive: true, force: true });
    if (this.state.kind === "terminating") {
      this.state = { kind: "terminated", at: Date.now() };
      this.publish("session.terminated", {});
    }
    this.resolveEnded(this.view());
  }

  /** Signals every node still alive, then waits for their exits up to `waitMs`. */
  private async signalAll(signal: "SIGTERM" | "SIGKILL", waitMs: number): Promise<void> {
    const living = this.nodes.filter((h) => !h.gone && h.pid !== null);
    if (living.length === 0) return;
    for (const h of living) {
      h.phase = { kind: "stopping", signal };
      this.env.hooks.kill(h.pid!, signal);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(living.map((h) => h.exited)), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }

  private after(ms: number, fn: () => unknown): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private publish(kind: SessionEventKind, data: Record<string, unknown>): void {
    this.env.hooks.publish(kind, { session: this.id, pipeline: this.def.name, ...data });
  }

  view(): SessionView {
    return sessionView(this);
  }
}
