/**
 * How the page writes figures and times. Pure (no DOM), so src/ui/client-logic.test.ts checks
 * it under Bun.
 */

export function mib(kb: number | null | undefined): string {
  return kb === null || kb === undefined ? "-" : (kb / 1024).toFixed(1);
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) (v /= 1024), i++;
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** "4 s", "3 min", "2 h", "5 d": how long, coarsely, for tables. */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "-";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "-";
  return t > now + 1000 ? `in ${span(t - now)}` : `${span(now - t)} ago`;
}

/**
 * A cluster node's lease as `gaia nodes` writes it: "12 s left" while alive, "lapsed 3 min
 * ago" once lapsed. The state is the cluster's verdict and the words follow it; a browser
 * clock ahead or behind the journal's only clamps the figure at 0.
 */
export function lease(node: { state: string; lease_until: string }, now = Date.now()): string {
  const t = Date.parse(node.lease_until);
  if (Number.isNaN(t)) return "-";
  return node.state === "alive" ? `${span(Math.max(0, t - now))} left` : `lapsed ${span(Math.max(0, now - t))} ago`;
}

/** A run time: "0.25 ms", "12 ms", "3.4 s". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  if (ms < 0.01) return "<0.01 ms";
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** "2026-12-01 21:18:52Z": ISO, readable, in UTC as the API gives it. */
export function when(iso: string | null | undefined): string {
  return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "-";
}

export type Exit = { code: number | null; signal: string | null; reason: string; at?: string } | null | undefined;

/** A process's last exit as `gaia workers` writes it: "SIGKILL (crash)", "code 1 (crash)". */
export function exit(e: Exit): string {
  if (!e) return "-";
  const how = e.signal ?? (e.code !== null ? `code ${e.code}` : "exited");
  return `${how} (${e.reason})`;
}

/** JSON for a cell: one line, cut at `max` characters. */
export function brief(value: unknown, max = 80): string {
  if (value === undefined) return "";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A schedule's "when" column, as `gaia schedules` writes it. */
export function cadence(s: { cron: string | null; timezone: string | null; every_s: number | null; loop: boolean }): string {
  if (s.cron) return `cron ${s.cron}${s.timezone ? ` (${s.timezone})` : ""}`;
  if (s.every_s !== null) return `every ${s.every_s} s`;
  return s.loop ? "loop" : "-";
}
