/**
 * Server-Sent Events, as the HTML standard's "interpreting an event stream" reads them,
 * pure: bytes in (in whatever chunks the socket gives), events out. Comment lines (gaia's
 * `: heartbeat`) are skipped; `retry:` is kept for the reconnect delay; `id:` is remembered
 * as the last event id even across events without one, as EventSource does.
 */

export type SseMessage = { id: string | null; event: string; data: string };

export class SseParser {
  /** The last `id:` seen, sent as Last-Event-ID on a reconnect. */
  lastId: string | null = null;
  /** The server's `retry:` in milliseconds, when it sent one. */
  retryMs: number | null = null;
  private buffer = "";
  private readonly decoder = new TextDecoder();
  private event = "";
  private data: string[] = [];
  private id: string | null = null;

  /** Feeds a chunk; returns the events it completed. */
  feed(chunk: Uint8Array | string): SseMessage[] {
    const text = this.buffer + (typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true }));
    const out: SseMessage[] = [];
    // One pass with a cursor: a chunk of thousands of events is not copied once per line.
    let start = 0;
    for (;;) {
      const end = lineEnd(text, start);
      if (end === null) break;
      const message = this.line(text.slice(start, end.at));
      if (message) out.push(message);
      start = end.at + end.length;
    }
    this.buffer = text.slice(start);
    return out;
  }

  private line(line: string): SseMessage | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retryMs = Number(value);
    return null;
  }

  private dispatch(): SseMessage | null {
    if (this.id !== null) this.lastId = this.id;
    const message = this.data.length ? { id: this.id ?? this.lastId, event: this.event || "message", data: this.data.join("\n") } : null;
    this.event = "";
    this.data = [];
    this.id = null;
    return message;
  }
}

/** Where the line starting at `from` ends (CRLF, LF or CR), or null when it is not whole yet. */
function lineEnd(text: string, from: number): { at: number; length: number } | null {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) return { at: i, length: 1 };
    if (c === 13) {
      // A CR at the very end may be the first half of a CRLF still on its way.
      if (i + 1 === text.length) return null;
      return { at: i, length: text.charCodeAt(i + 1) === 10 ? 2 : 1 };
    }
  }
  return null;
}
