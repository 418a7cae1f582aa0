/**
 * `GET /v1/events` as an async iterator of events (SPEC §7), with reconnects.
 *
 * When the stream drops (gaia restarting its IO engine answers 503 for a moment; a proxy cut
 * an idle connection), it reconnects after the server's `retry:` delay with the id of the last
 * event read as `Last-Event-ID`, so nothing the server still holds is missed; when it no
 * longer holds them, gaia sends `events.gap` first. After `reconnects` failed attempts in a
 * row the iteration throws the last error. gaia writes a heartbeat comment every 15 s, so a
 * stream silent for `idleMs` (45 s) is taken for dead and reopened.
 *
 * `subscribe` resolves once the server has answered the first request, so a caller that
 * submits a job next is already listening for its events. `close()`, a `break` out of the
 * loop, or the `signal` ends it.
 */
import type http from "node:http";
import { GaiaApiError, GaiaUnreachableError } from "./errors.ts";
import { SseParser, type SseMessage } from "./sse.ts";
import { withQuery, type Transport } from "./transport.ts";
import type { EventsQuery, GaiaEvent } from "./types.ts";

export type SubscribeOptions = EventsQuery & {
  signal?: AbortSignal;
  /** Failed reconnects in a row before giving up (default 10). */
  reconnects?: number;
  /** A stream silent for this long is reopened (default 45 s: three missed heartbeats). */
  idleMs?: number;
};

const DEFAULT_RETRY_MS = 1000;

export class EventSubscription implements AsyncIterableIterator<GaiaEvent> {
  private readonly parser = new SseParser();
  private readonly controller = new AbortController();
  private stream: http.IncomingMessage | null = null;
  private readonly queue: GaiaEvent[] = [];
  private iterator: AsyncIterator<Uint8Array> | null = null;
  private closed = false;

  private constructor(private readonly transport: Transport, private readonly options: SubscribeOptions) {
    if (options.lastEventId !== undefined) this.parser.lastId = String(options.lastEventId);
    options.signal?.addEventListener("abort", () => this.close(), { once: true });
  }

  static async open(transport: Transport, options: SubscribeOptions = {}): Promise<EventSubscription> {
    const subscription = new EventSubscription(transport, options);
    await subscription.connect();
    return subscription;
  }

  /** The id of the last event read: where a later subscription can pick up. */
  get lastEventId(): string | null {
    return this.parser.lastId;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<GaiaEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<GaiaEvent>> {
    let failures = 0;
    while (!this.closed) {
      const queued = this.queue.shift();
      if (queued) return { value: queued, done: false };
      try {
        if (this.iterator === null) await this.connect();
        failures = 0;
        const chunk = await this.read();
        if (chunk === null) this.drop();
        else for (const message of this.parser.feed(chunk)) this.queue.push(toEvent(message));
      } catch (err) {
        this.drop();
        if (this.closed) break;
        if (!retryable(err) || ++failures > (this.options.reconnects ?? 10)) throw err;
        await this.pause(this.parser.retryMs ?? DEFAULT_RETRY_MS);
      }
    }
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<GaiaEvent>> {
    this.close();
    return { value: undefined, done: true };
  }

  close(): void {
    this.closed = true;
    this.controller.abort();
    this.drop();
  }

  private async connect(): Promise<void> {
    const { job, session } = this.options;
    const headers: Record<string, string> = { accept: "text/event-stream" };
    if (this.parser.lastId !== null) headers["last-event-id"] = this.parser.lastId;
    const opened = await this.transport.open("GET", withQuery("/v1/events", { job, session }), { headers, signal: this.controller.signal, timeoutMs: 30_000 });
    this.stream = opened.stream;
    this.iterator = opened.stream[Symbol.asyncIterator]();
  }

  /** The next chunk, or null when the stream ended or stayed silent past idleMs. */
  private async read(): Promise<Uint8Array | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.options.idleMs ?? 45_000)));
    const pending = this.iterator!.next();
    // Once the race is lost the stream is destroyed, and this read then fails: nobody waits for it.
    pending.catch(() => {});
    try {
      const next = await Promise.race([pending, idle]);
      return next === null || next.done ? null : (next.value as Uint8Array);
    } finally {
      clearTimeout(timer);
    }
  }

  private drop(): void {
    this.stream?.destroy();
    this.stream = null;
    this.iterator = null;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.controller.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}

/** Worth another try: gaia is down or restarting (503), or the connection failed. */
function retryable(err: unknown): boolean {
  if (err instanceof GaiaApiError) return err.status === 503 || err.status >= 500;
  return err instanceof GaiaUnreachableError || (err as { code?: unknown })?.code === "ECONNRESET" || (err as Error)?.name === "AbortError";
}

/** gaia's data is `{id, kind, at, data}` as JSON; anything else is kept as it came. */
function toEvent(message: SseMessage): GaiaEvent {
  try {
    const parsed = JSON.parse(message.data) as Partial<GaiaEvent>;
    if (parsed && typeof parsed === "object" && typeof parsed.kind === "string") {
      return { id: Number(parsed.id ?? message.id), kind: parsed.kind, at: String(parsed.at ?? ""), data: (parsed.data ?? {}) as Record<string, unknown> };
    }
  } catch {}
  return { id: Number(message.id), kind: message.event, at: "", data: { text: message.data } };
}
