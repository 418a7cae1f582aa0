/**
 * `gaia schedules`: every schedule on one line each: when it fires, where it stands, and how
 * its last run went.
 */
import type { Schedule } from "../../client/index.ts";
import type { Command } from "../command.ts";
import { EXIT } from "../errors.ts";
import { formatTime, truncate } from "../format.ts";
import { print, printJson } from "../output.ts";
import { table, type Column } from "../table.ts";

/** `cron 0 9 * * * (Europe/Paris)`, `every 300s`, `loop`. */
export function formatWhen(s: Schedule): string {
  if (s.cron !== null) return `cron ${s.cron}${s.timezone ? ` (${s.timezone})` : ""}`;
  if (s.every_s !== null) return `every ${s.every_s}s`;
  return s.max_runs !== null ? `loop, ${s.max_runs} runs` : "loop";
}

const COLUMNS: Column<Schedule>[] = [
  { header: "name", value: (s) => s.name },
  { header: "when", value: formatWhen },
  { header: "task", value: (s) => s.task },
  { header: "state", value: (s) => s.state },
  { header: "next run", value: (s) => formatTime(s.next_run_at) },
  { header: "last run", value: (s) => formatTime(s.last_run_at) },
  { header: "last outcome", value: (s) => (s.last_outcome === "refused" && s.last_error ? `refused: ${truncate(s.last_error, 40)}` : s.last_outcome) },
  { header: "runs", value: (s) => s.runs, align: "right" },
  { header: "skips", value: (s) => s.skips, align: "right" },
  { header: "source", value: (s) => s.source },
];

export const schedules: Command = {
  summary: "every schedule: when, state, next and last run, last outcome",
  flags: {},
  positionals: [],
  async run(ctx) {
    const body = await ctx.client().schedules.list();
    if (ctx.json) await printJson(body);
    else await print(body.schedules.length ? table(body.schedules, COLUMNS) : "no schedules");
    return EXIT.ok;
  },
};
