/**
 * A minimal keep-alive HTTP/1.1 client over a Unix socket, for benchmarks only: one request
 * in flight, responses framed by Content-Length or chunked (gaia sends large bodies, such as
 * a batch's ids, chunked).
 * fetch() would add its own per-request cost to every figure; this measures gaia.
 */
import type { Socket } from "bun";

export class RawHttpClient {
  private socket!: Socket<undefined>;
  private buffer = Buffer.alloc(0);
  private waiting: ((r: { status: number; body: string }) => void) | null = null;
  private unsent: Buffer | null = null;

  static async connect(path: string): Promise<RawHttpClient> {
    const client = new RawHttpClient();
    client.socket = await Bun.connect({
      unix: path,
      socket: {
        data: (_s, chunk) => client.onData(chunk),
        drain: () => client.flush(),
        close: () => {},
      },
    });
    return client;
  }

  request(method: string, path: string, body = ""): Promise<{ status: number; body: string }> {
    const head = `${method} ${path} HTTP/1.1\r\nHost: gaia\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.unsent = Buffer.from(head + body);
      this.flush();
    });
  }

  /** Writes what the kernel will take; the rest waits for `drain` (big batch bodies). */
  private flush(): void {
    if (!this.unsent) return;
    const written = this.socket.write(this.unsent);
    this.unsent = written >= this.unsent.length ? null : this.unsent.subarray(Math.max(0, written));
  }

  private onData(chunk: Uint8Array): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : Buffer.from(chunk);
    const end = this.buffer.indexOf("\r\n\r\n");
    if (end < 0) return;
    const head = this.buffer.subarray(0, end).toString("latin1");
    const framed = /transfer-encoding:\s*chunked/i.test(head) ? dechunk(this.buffer, end + 4) : byLength(this.buffer, end + 4, head);
    if (!framed) return;
    this.buffer = this.buffer.subarray(framed.next);
    const status = Number(head.slice(9, 12));
    const done = this.waiting;
    this.waiting = null;
    done?.({ status, body: framed.body });
  }

  close(): void {
    this.socket.end();
  }
}

type Framed = { body: string; next: number } | null;

function byLength(buffer: Buffer, start: number, head: string): Framed {
  const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
  if (buffer.length < start + length) return null;
  return { body: buffer.subarray(start, start + length).toString("utf8"), next: start + length };
}

/** A chunked body, once its last (empty) chunk has arrived; null until then. */
function dechunk(buffer: Buffer, start: number): Framed {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const eol = buffer.indexOf("\r\n", at);
    if (eol < 0) return null;
    const size = parseInt(buffer.subarray(at, eol).toString("latin1"), 16);
    if (buffer.length < eol + 2 + size + 2) return null;
    if (size === 0) return { body: Buffer.concat(parts).toString("utf8"), next: eol + 4 };
    parts.push(buffer.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
