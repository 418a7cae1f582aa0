/**
 * A Server-Sent Events reader for tests: opens `GET path` on gaia's socket with fetch and
 * parses the stream into events as they arrive (comments, such as heartbeats, are skipped).
 */
export type SseEvent = { id: string | null; event: string; data: any };

export class SseStream {
  readonly events: SseEvent[] = [];
  private readonly controller = new AbortController();
  private wake: (() => void) | null = null;
  private done = false;

  private constructor() {}

  static async open(socket: string, path: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const stream = new SseStream();
    const res = await fetch(`http://gaia${path}`, { unix: socket, headers, signal: stream.controller.signal } as RequestInit);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    void stream.read(res.body!);
    return stream;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        this.wake?.();
      }
    } catch {
      // aborted by close()
    }
    this.done = true;
    this.wake?.();
  }

  private parse(block: string): void {
    let id: string | null = null;
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":") || line === "") continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") id = value;
      else if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length) this.events.push({ id, event, data: JSON.parse(data.join("\n")) });
  }

  /** Waits until some event matches `match`; returns it. */
  async until(what: string, match: (e: SseEvent) => boolean, timeoutMs = 15_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (this.done) throw new Error(`the stream ended before ${what}; got ${JSON.stringify(this.events.map((e) => e.event))}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events.map((e) => [e.event, e.data?.data]))}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  get ended(): boolean {
    return this.done;
  }

  close(): void {
    this.controller.abort();
  }
}

/**
 * An SSE client that reconnects as EventSource does: when its stream ends (the IO engine was
 * killed, say), it opens a new one with `Last-Event-ID` set to the last id it read, until
 * closed. Every event of every connection is kept, in arrival order.
 */
export class ReconnectingSse {
  readonly events: SseEvent[] = [];
  connections = 0;
  private current: SseStream | null = null;
  private closed = false;

  constructor(
    private readonly socket: string,
    private readonly path: string,
  ) {
    void this.run();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const last = [...this.events].reverse().find((e) => e.id !== null)?.id;
      try {
        this.current = await SseStream.open(this.socket, this.path, last ? { "Last-Event-ID": last } : {});
        this.connections++;
        await this.drain(this.current);
      } catch {
        // Refused or cut while the IO engine restarts: try again shortly.
      }
      if (!this.closed) await Bun.sleep(100);
    }
  }

  /** Moves the stream's events here as they arrive, until it ends. */
  private async drain(stream: SseStream): Promise<void> {
    let taken = 0;
    for (;;) {
      await stream.until("more", () => stream.events.length > taken, 3_600_000).catch(() => null);
      this.events.push(...stream.events.slice(taken));
      taken = stream.events.length;
      if (stream.ended) return;
    }
  }

  close(): void {
    this.closed = true;
    this.current?.close();
  }
}
