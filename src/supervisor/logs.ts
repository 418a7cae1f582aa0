/**
 * Children's output: each line goes to the supervisor's own stdout prefixed with the process
 * name, and into a per-process ring of the last RING_LINES lines (kept across restarts of the
 * same worker id, so a crashed worker's last words are still there for `gaia logs`).
 */
import { jsonLogs, parseChildLine, type Level } from "../lib/json-log.ts";

export const RING_LINES = 1000;

export type LogLine = { seq: number; at: string; process: string; line: string };

export class LogStore {
  private readonly rings = new Map<string, LogLine[]>();
  private seq = 0;
  private readonly json = jsonLogs();

  write(processName: string, line: string, level: Level = "info", at = new Date().toISOString(), jobId?: string): void {
    const entry: LogLine = { seq: ++this.seq, at, process: processName, line };
    const ring = this.rings.get(processName) ?? [];
    ring.push(entry);
    if (ring.length > RING_LINES) ring.shift();
    this.rings.set(processName, ring);
    // One object per line, whatever the message holds: JSON escapes its newlines.
    const text = this.json ? JSON.stringify({ time: at, process: processName, level, ...(jobId ? { job_id: jobId } : {}), message: line }) : `[${processName}] ${line}`;
    process.stdout.write(`${text}\n`);
  }

  /** A child's line: one it wrote as JSON (under GAIA_LOG_FORMAT=json) keeps its time, level and whole message. */
  private writeChild(processName: string, line: string, level: Level): void {
    const parsed = this.json ? parseChildLine(line) : null;
    if (parsed) this.write(processName, parsed.message, parsed.level, parsed.time, parsed.job_id);
    else this.write(processName, line, level);
  }

  tail(processName: string, n: number, after = 0): LogLine[] | null {
    const ring = this.rings.get(processName);
    return ring ? ring.filter((l) => l.seq > after).slice(-n) : null;
  }

  /** The sequence number of the last line written by anyone: a mark to read after. */
  get mark(): number {
    return this.seq;
  }

  /**
   * Every process's lines after `after`, in the order they were written: the newest `n`, or,
   * for a reader paging forward (`oldest`), the first `n` and whether more follow.
   */
  all(n: number, after = 0, oldest = false): { lines: LogLine[]; more: boolean } {
    const lines = [...this.rings.values()].flat().filter((l) => l.seq > after);
    lines.sort((a, b) => a.seq - b.seq);
    return oldest ? { lines: lines.slice(0, n), more: lines.length > n } : { lines: lines.slice(-n), more: false };
  }

  /**
   * Reads a child's stream to its end, line by line. `name` is asked for each line: a
   * promoted spare's lines carry the name of the worker whose place it took.
   */
  async pump(name: () => string, stream: ReadableStream<Uint8Array>, level: Level): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of stream) {
      const text = partial + decoder.decode(chunk, { stream: true });
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) this.writeChild(name(), line.replace(/\r$/, ""), level);
    }
    if (partial) this.writeChild(name(), partial, level);
  }
}
