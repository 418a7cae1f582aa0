/**
 * The supervisor's connection to the IO engine: API calls go out as `req` and come back as
 * `res`; events flow both ways. While the IO engine is down (crashed, restarting) requests
 * are answered 503 at once rather than queued: a caller must never believe a job was
 * accepted that is not in the journal.
 */
import { connectUnix, type Connection } from "../protocol/connection.ts";
import { FrameError } from "../protocol/frames.ts";
import { PROTOCOL_VERSION, type Message } from "../protocol/messages.ts";

/** The IO engine's answer: a status and the body as JSON text (see `Res`). */
export type Reply = { status: number; body: string; retryAfterS?: number };

const errorReply = (status: number, code: string, message: string): Reply => ({ status, body: JSON.stringify({ error: { code, message } }) });
const unavailable = (message: string): Reply => errorReply(503, "io_unavailable", message);

export class IoLink {
  private conn: Connection | null = null;
  /** Each request remembers its connection: an old one's late close must not touch a new one's. */
  private readonly pending = new Map<number, { conn: Connection; resolve: (reply: Reply) => void }>();
  private nextId = 1;
  private welcomed: (() => void) | null = null;
  private welcomeFailed: ((err: Error) => void) | null = null;

  constructor(
    private readonly socketPath: string,
    private readonly onEvent: (kind: string, data: Record<string, unknown>) => void,
    private readonly log: (line: string) => void,
  ) {}

  get connected(): boolean {
    return this.conn !== null && !this.conn.closed;
  }

  /** Connects, retrying every 5 ms until `deadline`, and waits for the welcome. */
  async connect(deadline: number, alive: () => boolean): Promise<boolean> {
    while (Date.now() < deadline && alive()) {
      try {
        const conn = await connectUnix(this.socketPath, {
          onMessage: (_c, m) => this.onMessage(m),
          onClose: (c) => this.onClose(c),
        });
        const welcome = new Promise<void>((resolve, reject) => {
          this.welcomed = resolve;
          this.welcomeFailed = reject;
        });
        this.conn = conn;
        conn.send({ t: "hello", v: PROTOCOL_VERSION, role: "supervisor", pid: process.pid });
        await welcome;
        return true;
      } catch {
        await Bun.sleep(5);
      }
    }
    return false;
  }

  request(op: string, args: unknown, timeoutMs = 0): Promise<Reply> {
    const conn = this.conn;
    if (!conn || conn.closed) return Promise.resolve(unavailable("the IO engine is not running (it may be restarting); try again"));
    const id = this.nextId++;
    return new Promise<Reply>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.pending.set(id, {
        conn,
        resolve: (reply) => {
          if (timer) clearTimeout(timer);
          resolve(reply);
        },
      });
      if (timeoutMs > 0) timer = setTimeout(() => this.answer(id, unavailable(`the IO engine did not answer '${op}' within ${timeoutMs} ms`)), timeoutMs);
      try {
        conn.send({ t: "req", id, op, args });
      } catch (err) {
        const tooLarge = err instanceof FrameError;
        if (!tooLarge) this.log(`cannot send '${op}' to the IO engine: ${(err as Error)?.stack ?? err}`);
        this.answer(id, tooLarge
          ? errorReply(413, "too_large", `the request is too large to journal in one frame: ${(err as Error).message}; move large data through arrays`)
          : errorReply(500, "internal", `internal error: ${(err as Error).message}`));
      }
    });
  }

  notify(kind: string, data: Record<string, unknown>): void {
    this.conn?.send({ t: "event", kind, data });
  }

  private answer(id: number, reply: Reply): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.resolve(reply);
  }

  private onMessage(message: Message): void {
    if (message.t === "res") this.answer(message.id, { status: message.status, body: message.body, retryAfterS: message.retry_after_s });
    else if (message.t === "event") this.onEvent(message.kind, message.data);
    else if (message.t === "welcome") {
      this.welcomed?.();
      this.welcomed = this.welcomeFailed = null;
    }
  }

  private onClose(conn: Connection): void {
    if (this.conn === conn) {
      this.conn = null;
      this.welcomeFailed?.(new Error("closed before welcome")); // connect() tries again
    }
    for (const [id, entry] of [...this.pending]) {
      if (entry.conn === conn) this.answer(id, unavailable("the IO engine went away while answering; the request may or may not have been applied"));
    }
  }
}
