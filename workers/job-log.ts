/**
 * What a Bun worker prints, line by line (SPEC §1, §4): every console call and every raw
 * write to stdout or stderr becomes lines with a level; each goes to the worker's own output
 * (which the supervisor logs) and, while a job runs, into that job's log, which leaves for the
 * IO engine as `log` frames (GET /v1/jobs/ID/logs).
 *
 * Each line a job printed carries its job id: `{"time","level","job_id","message"}` under
 * GAIA_LOG_FORMAT=json, `[job ID] message` otherwise (with the level for warn, error and
 * debug). A job keeps at most MAX_LINES lines and MAX_BYTES bytes per attempt; past that one
 * line says how many were left out (they still reach the worker's output).
 */
import { formatWithOptions } from "node:util";
import type { Log } from "../src/protocol/worker-messages.ts";

export const MAX_LINES = 1000;
export const MAX_BYTES = 256 * 1024;
/** Lines of a running job leave at most this often, so its log can be read while it runs. */
const FLUSH_MS = 250;

type Level = "debug" | "info" | "warn" | "error";
type Line = Log["lines"][number];
type Current = { id: string; attempt: number; lines: Line[]; bytes: number; dropped: number; kept: number };

export class JobLog {
  private current: Current | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly json = process.env.GAIA_LOG_FORMAT === "json";
  private readonly out = process.stdout.write.bind(process.stdout);
  private readonly err = process.stderr.write.bind(process.stderr);
  private readonly partial = { out: "", err: "" };

  /** `send` carries a `log` frame to the engine (dropped while disconnected: the output keeps them). */
  constructor(private readonly send: (frame: Log) => void) {}

  /** Takes over console.* and raw writes to stdout and stderr. */
  install(): void {
    const format = (args: unknown[]) => formatWithOptions({ colors: false }, ...args);
    console.log = console.info = (...a: unknown[]) => this.line("info", format(a), "out");
    console.debug = (...a: unknown[]) => this.line("debug", format(a), "out");
    console.warn = (...a: unknown[]) => this.line("warn", format(a), "err");
    console.error = (...a: unknown[]) => this.line("error", format(a), "err");
    process.stdout.write = ((chunk: string | Uint8Array) => this.raw("out", chunk)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => this.raw("err", chunk)) as typeof process.stderr.write;
  }

  begin(id: string, attempt: number): void {
    this.end();
    this.current = { id, attempt, lines: [], bytes: 0, dropped: 0, kept: 0 };
  }

  /** The job ended: what it printed and was not sent yet leaves now (before its result). */
  end(): void {
    for (const stream of ["out", "err"] as const) if (this.partial[stream]) this.raw(stream, "\n");
    this.flush();
    this.current = null;
  }

  private raw(stream: "out" | "err", chunk: string | Uint8Array): boolean {
    const text = this.partial[stream] + (typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
    const lines = text.split("\n");
    this.partial[stream] = lines.pop() ?? "";
    for (const line of lines) this.line(stream === "out" ? "info" : "error", line.replace(/\r$/, ""), stream);
    return true;
  }

  private line(level: Level, message: string, stream: "out" | "err"): void {
    const job = this.current;
    const at = new Date().toISOString();
    const tagged = job ? this.format(level, message, at, job.id) : this.format(level, message, at, null);
    (stream === "out" ? this.out : this.err)(`${tagged}\n`);
    if (job) this.keep(job, { level, line: message, at });
  }

  private format(level: Level, message: string, time: string, jobId: string | null): string {
    if (this.json) return JSON.stringify({ time, level, ...(jobId ? { job_id: jobId } : {}), message });
    if (!jobId) return message;
    return `[job ${jobId}] ${level === "info" ? "" : `${level.toUpperCase()}: `}${message}`;
  }

  private keep(job: Current, line: Line): void {
    if (job.kept >= MAX_LINES || job.bytes + line.line.length > MAX_BYTES) return void job.dropped++;
    job.kept++;
    job.bytes += line.line.length;
    job.lines.push(line);
    this.timer ??= setTimeout(() => ((this.timer = null), this.flush()), FLUSH_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const job = this.current;
    if (!job) return;
    const lines = job.lines;
    if (job.dropped > 0) lines.push({ level: "warn", line: `… ${job.dropped} more line(s) not kept (a job keeps ${MAX_LINES} lines, ${MAX_BYTES} bytes)`, at: new Date().toISOString() });
    job.dropped = 0;
    job.lines = [];
    if (lines.length > 0) this.send({ t: "log", id: job.id, attempt: job.attempt, lines });
  }
}
