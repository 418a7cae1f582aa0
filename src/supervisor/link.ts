/**
 * The supervisor's link to the IO engine (link-messages.ts): it connects to io.sock, says
 * hello with the run's secret, answers the engine's calls (its process table and log rings,
 * restarts, shutdown) and tells it what the processes do. Process events that happen while
 * the engine is down (it crashed, it restarts) are kept, up to a bound, and sent in order
 * once it is back, so the bus misses none of them.
 */
import { Calls, type CallHandlers, type CallOutcome } from "../protocol/calls.ts";
import { connectUnix, type Connection } from "../protocol/connection.ts";
import { PROTOCOL_VERSION, type CallArgs, type LinkEvent, type Message, type Op } from "../protocol/messages.ts";

/** Process events kept while the engine is away; older ones are dropped beyond this. */
const BUFFERED_EVENTS = 10_000;

export class IoLink {
  private conn: Connection | null = null;
  private calls: Calls;
  private onEvent: (event: LinkEvent) => void = () => {};
  private buffered: LinkEvent[] = [];
  private welcomed: (() => void) | null = null;
  private refused: ((err: Error) => void) | null = null;

  constructor(
    private readonly socketPath: string,
    private readonly secret: string,
    private readonly log: (line: string) => void,
  ) {
    this.calls = new Calls({}, log);
  }

  /** What the engine's calls and events do here: given once the parts they reach exist. */
  handle(handlers: CallHandlers, onEvent: (event: LinkEvent) => void): void {
    this.calls = new Calls(handlers, this.log);
    this.onEvent = onEvent;
  }

  get connected(): boolean {
    return this.conn !== null && !this.conn.closed;
  }

  /** Connects, retrying every 5 ms until `deadline`, and waits for the welcome. */
  async connect(deadline: number, alive: () => boolean): Promise<boolean> {
    while (Date.now() < deadline && alive()) {
      try {
        const conn = await connectUnix(this.socketPath, { onMessage: (c, m) => this.onMessage(c, m), onClose: (c) => this.onClose(c), log: this.log });
        const welcome = new Promise<void>((resolve, reject) => ((this.welcomed = resolve), (this.refused = reject)));
        this.conn = conn;
        conn.send({ t: "hello", v: PROTOCOL_VERSION, role: "supervisor", pid: process.pid, secret: this.secret });
        await welcome;
        return true;
      } catch {
        await Bun.sleep(5);
      }
    }
    return false;
  }

  /** The engine is gone: its connection is closed now, whatever its socket says yet. */
  drop(): void {
    this.conn?.close("the IO engine's process exited");
  }

  call<O extends Op>(op: O, args: CallArgs<O>, timeoutMs = 0): Promise<CallOutcome<O>> {
    return this.calls.call(this.conn, op, args, timeoutMs);
  }

  /** Tells the engine; a process event waits for it when it is away. */
  notify(event: LinkEvent): void {
    if (this.connected && this.welcomed === null) return this.conn!.send({ t: "event", event });
    if (event.kind !== "process") return;
    if (this.buffered.push(event) > BUFFERED_EVENTS) this.buffered.shift();
  }

  private onMessage(conn: Connection, message: Message): void {
    if (message.t === "welcome") {
      // What happened while the engine was away goes first, in order.
      for (const event of this.buffered.splice(0)) conn.send({ t: "event", event });
      this.welcomed?.();
      this.welcomed = this.refused = null;
    } else if (message.t === "fatal") this.log(`the IO engine refused this supervisor: ${message.message}`);
    else if (message.t === "req") void this.calls.serve(conn, message);
    else if (message.t === "res") this.calls.answered(message);
    else if (message.t === "event") this.onEvent(message.event);
    else this.log(`ignoring a '${message.t}' message from the IO engine`);
  }

  private onClose(conn: Connection): void {
    this.calls.closed(conn);
    if (this.conn !== conn) return;
    this.conn = null;
    this.refused?.(new Error("closed before welcome")); // connect() tries again
    this.welcomed = this.refused = null;
  }
}
