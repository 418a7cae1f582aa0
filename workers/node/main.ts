/**
 * A Bun pipeline node: `gaia __node --socket RUN/nodes.sock --session S --node ID --module M
 * --type T` (and `gaia __node --describe M`, see modules.ts). Spawned by the supervisor for
 * the session runtime (src/io/pipelines/), one process per node of a session.
 *
 * Reads top to bottom: connect to the control socket and say hello (with GAIA_SECRET) → the
 * init names the config and the channels → load the module, bind the data socket, construct
 * the node → ready → `node.start`: outputs connect → frames flow → `node.close`: once every
 * input has ended and its frames are processed, `close(ctx)` runs, outputs end, `node.closed`
 * and exit 0. An exception in the constructor, `process` or `close` is reported as
 * `node.error` and the process exits 1. EOF on stdin (the supervisor is gone) or a lost
 * control connection (the IO engine is gone, and sessions die with it) exits at once.
 */
import { connectFramed, channelBytes, type Framed } from "../../src/channels/framed.ts";
import { ChannelLost, ChannelProducer, OutputPort } from "../../src/channels/producer.ts";
import { SlotPool } from "../../src/channels/slots.ts";
import { exitOnStdinEof } from "../../src/lib/stdin-eof.ts";
import { PROTOCOL_VERSION, type ErrorInfo } from "../../src/protocol/messages.ts";
import { parsePipelineMessage, type NodeInit, type NodeStats } from "../../src/protocol/pipeline-messages.ts";
import { Inputs } from "./inputs.ts";
import { describeCommand, describeTable, loadNodes, NodeModuleError } from "./modules.ts";
import type { NodeContext, NodeInstance } from "./types.ts";

type Args = { socket: string; session: string; node: string; module: string; type: string };
type State = { kind: "hello" } | { kind: "initializing" } | { kind: "ready" } | { kind: "running" } | { kind: "closing" } | { kind: "exiting" };

const STATS_EVERY_MS = 500;

function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) return { type: err.name || "Error", message: err.message, traceback: err.stack ?? "" };
  return { type: typeof err, message: String(err) };
}
const never = new Promise<void>(() => {});
/**
 * What `ctx.emit` returns when every channel took the frame at once: one settled promise for
 * all, which `process` recognises, so a frame that was sent costs no promise of its own.
 */
const SENT: Promise<void> = Promise.resolve();

export async function runNode(argv: string[]): Promise<void> {
  if (argv[0] === "--describe") process.exit(await describeCommand(argv[1] ?? ""));
  const args = parseArgs(argv);
  exitOnStdinEof(() => process.exit(0));
  // Out of the environment before the node's code runs, so what it spawns does not inherit it.
  const secret = process.env.GAIA_SECRET ?? "";
  delete process.env.GAIA_SECRET;
  await new NodeProcess(args, secret).start();
}

class NodeProcess {
  private control!: Framed;
  private state: State = { kind: "hello" };
  private inputs: Inputs | null = null;
  private readonly outputs = new Map<string, OutputPort>();
  private readonly targets: { producer: ChannelProducer; path: string }[] = [];
  private instance: NodeInstance | null = null;
  /** The emits of the frame being processed: its credit waits for them. */
  private current: Promise<void>[] | null = null;
  private framesIn = 0;
  private lastStats = "";
  private readonly ctx: NodeContext;
  private readonly log = (line: string) => console.error(line);

  constructor(
    private readonly args: Args,
    private readonly secret: string,
  ) {
    this.ctx = { session_id: args.session, node_id: args.node, emit: (port, value) => this.emit(port, value) };
  }

  async start(): Promise<void> {
    this.control = await connectFramed(this.args.socket, {
      onFrame: (_c, raw) => this.onControl(raw),
      onClose: () => this.state.kind !== "exiting" && process.exit(0),
      log: this.log,
    });
    const { session, node } = this.args;
    this.control.send({ t: "node.hello", v: PROTOCOL_VERSION, secret: this.secret, session, node, pid: process.pid, runtime: "bun" });
  }

  private onControl(raw: unknown): void {
    const parsed = parsePipelineMessage(raw);
    if (!parsed.ok) return this.control.drop(parsed.reason);
    const m = parsed.message;
    if (m.t === "node.init" && this.state.kind === "hello") void this.initialize(m);
    else if (m.t === "node.start" && this.state.kind === "ready") this.run();
    else if (m.t === "node.close") this.requestClose();
    else if (m.t === "fatal") {
      console.error(`the session runtime refused this node: ${m.message}`);
      process.exit(1);
    } else this.log(`ignoring '${m.t}' while ${this.state.kind}`);
  }

  private async initialize(init: NodeInit): Promise<void> {
    this.state = { kind: "initializing" };
    try {
      const table = await loadNodes(this.args.module);
      const cls = table[this.args.type];
      if (!cls) throw new NodeModuleError(`module ${this.args.module} has no node type '${this.args.type}' (it has: ${Object.keys(table).join(", ") || "none"})`);
      const declared = describeTable({ [this.args.type]: cls }, this.args.module)[this.args.type]!;
      const unknown = [...init.inputs.filter((i) => !declared.inputs.includes(i.port)), ...init.outputs.filter((o) => !declared.outputs.includes(o.port))];
      if (unknown.length) throw new NodeModuleError(`node type '${this.args.type}' no longer declares port '${unknown[0]!.port}' (the module changed since the graph was checked)`);
      init.outputs.forEach(({ port, channels }, i) => {
        const pool = new SlotPool(init.arrays.dir, `${init.arrays.prefix}o${i}`, init.capacity + 2);
        const producers = channels.map((c) => {
          const producer = new ChannelProducer(c.channel, (slot) => pool.release(slot), (p, reason) => this.lost(p.id, reason));
          this.targets.push({ producer, path: c.path });
          return producer;
        });
        this.outputs.set(port, new OutputPort(port, producers, pool));
      });
      this.inputs = new Inputs(init, this.args.session, this.secret, {
        process: (port, value) => this.process(port, value),
        failed: (err) => void this.fail("process", err),
        lost: (channel, reason) => this.lost(channel, reason),
        drained: () => this.state.kind === "closing" && void this.finish(),
        log: this.log,
      });
      this.inputs.listen();
      this.instance = new cls(init.config, this.ctx);
    } catch (err) {
      return this.fail("init", err);
    }
    this.state = { kind: "ready" };
    this.control.send({ t: "node.ready" });
    setInterval(() => this.sendStats(), STATS_EVERY_MS);
  }

  private run(): void {
    this.state = { kind: "running" };
    const open = (channel: string) => ({ t: "chan.open", v: PROTOCOL_VERSION, secret: this.secret, session: this.args.session, channel }) as const;
    for (const { producer, path } of this.targets) void producer.connect(path, open(producer.id), this.log);
  }

  private process(port: string, value: unknown): Promise<void> | null {
    this.framesIn++;
    const emits: Promise<void>[] = [];
    this.current = emits;
    const result = this.instance!.process(port, value, this.ctx) as unknown;
    if (result !== SENT && result !== null && typeof result === "object" && typeof (result as Promise<unknown>).then === "function") {
      return (result as Promise<unknown>).then(() => {
        this.current = null;
        return emits.length ? Promise.all(emits).then(() => undefined) : undefined;
      });
    }
    this.current = null;
    return emits.length ? Promise.all(emits).then(() => undefined) : null;
  }

  private emit(port: string, value: unknown): Promise<void> {
    const out = this.outputs.get(port);
    if (!out) {
      const ports = [...this.outputs.keys()].join(", ") || "none";
      throw new TypeError(`ctx.emit: node '${this.args.node}' has no output port '${port}' (its outputs: ${ports})`);
    }
    const wait = out.emit(value);
    if (!wait) return SENT;
    // A lost channel means the session is failing and this node is about to be stopped: the
    // emit never settles rather than reporting an error that would blame this node.
    const guarded = wait.catch((err) => (err instanceof ChannelLost ? never : Promise.reject(err)));
    this.current?.push(guarded);
    return guarded;
  }

  private requestClose(): void {
    if (this.state.kind === "closing" || this.state.kind === "exiting") return;
    const wasRunning = this.state.kind === "running";
    this.state = { kind: "closing" };
    if (!wasRunning || !this.inputs) return void this.exit(0);
    if (this.inputs.ended && this.inputs.idle) void this.finish();
  }

  private async finish(): Promise<void> {
    try {
      const emits: Promise<void>[] = [];
      this.current = emits;
      await this.instance?.close?.(this.ctx);
      await Promise.all(emits);
    } catch (err) {
      return this.fail("close", err);
    }
    this.current = null;
    await Promise.all(this.targets.map((t) => t.producer.end()));
    this.control.send({ t: "node.closed", stats: this.stats() });
    await this.exit(0);
  }

  private lost(channel: string, reason: string): void {
    if (this.state.kind !== "exiting") this.control.send({ t: "node.channel_lost", channel, reason });
  }

  private async fail(phase: "init" | "process" | "close", err: unknown): Promise<void> {
    const error = toErrorInfo(err);
    console.error(error.traceback || `${error.type}: ${error.message}`);
    this.control.send({ t: "node.error", phase, error });
    await this.exit(1);
  }

  private async exit(code: number): Promise<void> {
    this.state = { kind: "exiting" };
    this.inputs?.close();
    await this.control.flushed();
    process.exit(code);
  }

  private stats(): NodeStats {
    const outputs: NodeStats["outputs"] = {};
    let framesOut = 0;
    for (const [port, out] of this.outputs) {
      outputs[port] = out.stats();
      framesOut += out.frames;
    }
    const inputs = this.inputs?.stats() ?? {};
    return { frames_in: this.framesIn, frames_out: framesOut, bytes_read: channelBytes.read, bytes_written: channelBytes.written, inputs, outputs };
  }

  private sendStats(): void {
    if (this.state.kind === "exiting") return;
    const stats = this.stats();
    const text = JSON.stringify({ ...stats, bytes_read: 0, bytes_written: 0 });
    if (text === this.lastStats) return;
    this.lastStats = text;
    this.control.send({ t: "node.stats", stats });
  }
}

function parseArgs(argv: string[]): Args {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    if (i < 0 || i + 1 >= argv.length) throw new Error(`gaia __node: missing ${flag} (usage: gaia __node --socket P --session S --node ID --module M --type T)`);
    return argv[i + 1]!;
  };
  return { socket: get("--socket"), session: get("--session"), node: get("--node"), module: get("--module"), type: get("--type") };
}
