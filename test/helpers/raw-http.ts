/**
 * Raw sockets for HTTP tests: write exactly the bytes a test means (hostile ones included)
 * and read back what the server sent, with bounded waits that fail saying what was awaited.
 * Also a reader that splits what came into responses (Content-Length, chunked, or to the end).
 */
import type { Socket } from "bun";

export type RawResponse = { status: number; headers: Record<string, string>; body: string; raw: string };

export class RawClient {
  private bytes: Buffer = Buffer.alloc(0);
  private closedAt: number | null = null;
  private wake: (() => void) | null = null;
  private socket!: Socket<undefined>;

  static async connect(where: { unix: string } | { port: number }): Promise<RawClient> {
    const client = new RawClient();
    const handlers = {
      data: (_s: Socket<undefined>, chunk: Buffer) => {
        client.bytes = Buffer.concat([client.bytes, chunk]);
        client.wake?.();
      },
      close: () => {
        client.closedAt = Date.now();
        client.wake?.();
      },
      error: () => {},
    };
    client.socket = await ("unix" in where
      ? Bun.connect({ unix: where.unix, socket: handlers })
      : Bun.connect({ hostname: "127.0.0.1", port: where.port, socket: handlers }));
    return client;
  }

  get text(): string {
    return this.bytes.toString("latin1");
  }
  get closed(): boolean {
    return this.closedAt !== null;
  }

  send(data: string | Uint8Array): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }
  /** Half-closes: the server reads EOF but may still answer. */
  end(): void {
    this.socket.shutdown();
  }
  destroy(): void {
    this.socket.terminate();
  }

  async until(what: string, done: (c: RawClient) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this)) {
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}; got ${JSON.stringify(this.text.slice(0, 800))}${this.closed ? " (closed)" : ""}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 20);
      });
    }
  }

  /** The first `n` whole responses (for a GET or POST; a HEAD's answer has no body to frame). */
  async responses(n: number, timeoutMs = 10_000): Promise<RawResponse[]> {
    await this.until(`${n} response(s)`, (c) => splitResponses(c.text, c.closed).length >= n, timeoutMs);
    return splitResponses(this.text, this.closed).slice(0, n);
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    await this.until("the server to close the connection", (c) => c.closed, timeoutMs);
  }
}

/** Whole responses in `text`; a close-delimited one only once `closed`. */
export function splitResponses(text: string, closed: boolean): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const end = text.indexOf("\r\n\r\n", at);
    if (end < 0) return out;
    const lines = text.slice(at, end).split("\r\n");
    const status = Number(lines[0]!.split(" ")[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    let bodyEnd: number;
    let body: string;
    if (status < 200 || status === 204 || status === 304) {
      body = "";
      bodyEnd = end + 4;
    } else if (headers["content-length"] !== undefined) {
      bodyEnd = end + 4 + Number(headers["content-length"]);
      if (text.length < bodyEnd) return out;
      body = text.slice(end + 4, bodyEnd);
    } else if (headers["transfer-encoding"] === "chunked") {
      const chunked = readChunked(text, end + 4);
      if (chunked === null) return out;
      [body, bodyEnd] = chunked;
    } else {
      if (!closed) return out;
      body = text.slice(end + 4);
      bodyEnd = text.length;
    }
    out.push({ status, headers, body, raw: text.slice(at, bodyEnd) });
    at = bodyEnd;
  }
}

function readChunked(text: string, at: number): [string, number] | null {
  let body = "";
  for (;;) {
    const lineEnd = text.indexOf("\r\n", at);
    if (lineEnd < 0) return null;
    const size = Number.parseInt(text.slice(at, lineEnd), 16);
    if (size === 0) return text.length >= lineEnd + 4 ? [body, lineEnd + 4] : null;
    if (text.length < lineEnd + 2 + size + 2) return null;
    body += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

/** Runs a command to its end (bounded); its stdout, stderr and exit code. */
export async function run(cmd: string[], opts: { stdin?: string | Uint8Array; timeoutMs?: number } = {}) {
  const proc = Bun.spawn(cmd, { stdin: opts.stdin === undefined ? "ignore" : Buffer.from(opts.stdin), stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 20_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { stdout, stderr, code };
}

/** Waits for `cond`, at most `timeoutMs`, failing with `what`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await Bun.sleep(10);
  }
}
