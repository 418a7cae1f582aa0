/**
 * A minimal keep-alive HTTP/1.1 client over a Unix socket, for benchmarks only: one request
 * in flight, responses framed by Content-Length (what Bun.serve sends for JSON bodies).
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
    const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buffer.length < end + 4 + length) return;
    const body = this.buffer.subarray(end + 4, end + 4 + length).toString("utf8");
    this.buffer = this.buffer.subarray(end + 4 + length);
    const status = Number(head.slice(9, 12));
    const done = this.waiting;
    this.waiting = null;
    done?.({ status, body });
  }

  close(): void {
    this.socket.end();
  }
}
