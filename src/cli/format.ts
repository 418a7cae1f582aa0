/** Small formatters shared by the human output of the client commands. */

/** 45s, 3m 12s, 2h 05m, 3d 4h: precise for short spans, coarse for long ones. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** An ISO timestamp to the second (`2025-01-02 03:04:05Z`), or "-" when absent. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "-";
  return iso.replace("T", " ").replace(/\.\d+(?=Z|[+-]\d\d:?\d\d$|$)/, "");
}

/** Kibibytes as MiB with one decimal, the unit `/proc/PID/status` figures read best in. */
export function formatMiB(kb: number | null | undefined): string {
  return typeof kb === "number" ? (kb / 1024).toFixed(1) : "-";
}

export function formatMs(ms: number | null | undefined): string {
  return typeof ms === "number" ? `${Math.round(ms)} ms` : "-";
}

/** The first line of `text`, cut to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  const line = text.split("\n", 1)[0]!;
  if (line.length > max) return `${line.slice(0, max - 1)}…`;
  return line.length < text.length ? `${line} …` : line;
}

export type ExitInfo = { code: number | null; signal: string | null; reason?: string | null; at?: string | null };

/** `SIGKILL (crash)`, `code 1`, `code 0 (recycled)`, or "-" for a worker that never exited. */
export function formatExit(exit: ExitInfo | null | undefined): string {
  if (!exit) return "-";
  const how = exit.signal ? exit.signal : exit.code !== null && exit.code !== undefined ? `code ${exit.code}` : "exited";
  return exit.reason ? `${how} (${exit.reason})` : how;
}

/** A JSON value on one line when short, else pretty over several lines. */
export function formatValue(value: unknown, oneLineMax = 100): string {
  if (value === undefined) return "-";
  const compact = JSON.stringify(value);
  return compact.length <= oneLineMax ? compact : JSON.stringify(value, null, 2);
}

/** `[#####-----]  45% loading` for a terminal progress line. */
export function formatProgress(fraction: number, message: string | null | undefined, width = 20): string {
  const f = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(f * width);
  const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
  return message ? `${bar} ${message}` : bar;
}
