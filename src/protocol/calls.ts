/**
 * Calls between the supervisor and the IO engine (link-messages.ts), one end of a connection:
 * `call` sends a `req` and resolves with its `res`, the value checked against the op's result
 * schema; `serve` answers the other side's `req`s with the handlers given. A connection that
 * closes answers what was pending on it with `unavailable`, so no caller waits forever.
 */
import { crash, type Connection } from "./connection.ts";
import { CALLS, type CallArgs, type CallResult, type Op, type Req, type Res } from "./link-messages.ts";

export type CallOutcome<O extends Op> = { ok: true; value: CallResult<O> } | { ok: false; error: { code: string; message: string } };

/** What serves one op: its value, or a refusal `{code, message}` thrown as a CallRefusal. */
export type CallHandlers = { [O in Op]?: (args: CallArgs<O>) => CallResult<O> | Promise<CallResult<O>> };

export class CallRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Pending = { conn: Connection; op: Op; resolve(outcome: CallOutcome<Op>): void; timer: ReturnType<typeof setTimeout> | null };

export class Calls {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly handlers: CallHandlers,
    private readonly log: (line: string) => void,
  ) {}

  call<O extends Op>(conn: Connection | null, op: O, args: CallArgs<O>, timeoutMs = 0): Promise<CallOutcome<O>> {
    if (!conn || conn.closed) return Promise.resolve(unavailable(`the other side of '${op}' is not connected`));
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = timeoutMs > 0 ? setTimeout(() => this.settle(id, unavailable(`no answer to '${op}' within ${timeoutMs} ms`)), timeoutMs) : null;
      this.pending.set(id, { conn, op, resolve: resolve as Pending["resolve"], timer });
      conn.send({ t: "req", id, call: { op, ...args } as Req["call"] });
    });
  }

  /** An answer came: checked against its op's result schema before anyone sees it. */
  answered(res: Res): void {
    const entry = this.pending.get(res.id);
    if (!entry) return;
    if (!res.ok) return this.settle(res.id, { ok: false, error: res.error });
    const parsed = CALLS[entry.op].result.safeParse(res.value);
    if (parsed.success) return this.settle(res.id, { ok: true, value: parsed.data as CallResult<Op> });
    this.log(`the answer to '${entry.op}' does not fit its schema: ${parsed.error.issues[0]?.message}`);
    this.settle(res.id, { ok: false, error: { code: "bad_answer", message: `the answer to '${entry.op}' does not fit its schema` } });
  }

  /** The other side asked: answer with the handler's value or refusal. */
  async serve(conn: Connection, req: Req): Promise<void> {
    const { op, ...args } = req.call;
    const handler = this.handlers[op as Op] as ((a: unknown) => unknown) | undefined;
    if (!handler) return conn.send({ t: "res", id: req.id, ok: false, error: { code: "unknown_op", message: `'${op}' is not served here` } });
    try {
      const value = await handler(args);
      conn.send({ t: "res", id: req.id, ok: true, value });
    } catch (err) {
      if (!(err instanceof CallRefusal)) return crash(err); // a bug: crash loudly, get restarted
      conn.send({ t: "res", id: req.id, ok: false, error: { code: err.code, message: err.message } });
    }
  }

  /** The connection closed: what waited on it will get no answer. */
  closed(conn: Connection): void {
    for (const [id, entry] of [...this.pending]) {
      if (entry.conn === conn) this.settle(id, unavailable(`the connection closed before '${entry.op}' was answered`));
    }
  }

  private settle(id: number, outcome: CallOutcome<Op>): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    entry.resolve(outcome);
  }
}

function unavailable(message: string): { ok: false; error: { code: string; message: string } } {
  return { ok: false, error: { code: "unavailable", message } };
}
