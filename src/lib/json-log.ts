/**
 * `GAIA_LOG_FORMAT=json` (SPEC §3): every line any gaia process writes is one JSON object,
 * `{time, process, level, message}`. The supervisor writes the lines out; a child's output
 * reaches it through a pipe, line by line. So that a message of several lines (a stack, a
 * traceback) stays one object, the children encode their own messages as JSON lines, which
 * the supervisor recognises and passes on with the process name (see supervisor/logs.ts);
 * other output (a task's raw writes) is wrapped by the supervisor one line at a time.
 */
import { formatWithOptions } from "node:util";

export const jsonLogs = (): boolean => process.env.GAIA_LOG_FORMAT === "json";

export type Level = "debug" | "info" | "warn" | "error";

export function jsonLine(level: Level, message: string, processName?: string): string {
  return JSON.stringify({ time: new Date().toISOString(), ...(processName ? { process: processName } : {}), level, message });
}

/**
 * In a child, under GAIA_LOG_FORMAT=json: each console call becomes one JSON line, and an
 * uncaught error is written as one object (its whole stack) before the exit Bun would make.
 */
export function installJsonConsole(processName?: string): void {
  if (!jsonLogs()) return;
  // A child's lines get their process name from the supervisor; the supervisor names itself.
  const write = (stream: NodeJS.WriteStream, level: Level) => (...args: unknown[]) =>
    void stream.write(`${jsonLine(level, formatWithOptions({ colors: false }, ...args), processName)}\n`);
  console.log = write(process.stdout, "info");
  console.info = write(process.stdout, "info");
  console.debug = write(process.stdout, "debug");
  console.warn = write(process.stderr, "warn");
  console.error = write(process.stderr, "error");
  const die = (what: string) => (err: unknown) => {
    process.stderr.write(`${jsonLine("error", `${what}: ${(err as Error)?.stack ?? String(err)}`, processName)}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", die("uncaught exception"));
  process.on("unhandledRejection", die("unhandled rejection"));
}

/** A JSON line a gaia child wrote (see installJsonConsole; a job's lines carry its job_id), or null for any other text. */
export function parseChildLine(line: string): { time: string; level: Level; message: string; job_id?: string } | null {
  if (!line.startsWith("{") || !line.endsWith("}")) return null;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    if (typeof o.message !== "string" || typeof o.level !== "string" || typeof o.time !== "string") return null;
    return { time: o.time, level: o.level as Level, message: o.message, ...(typeof o.job_id === "string" ? { job_id: o.job_id } : {}) };
  } catch {
    return null;
  }
}
