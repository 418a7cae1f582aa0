/**
 * `gaia schedule run|pause|resume NAME`: a run now (prints the new job's id), or pause and
 * resume. A pause outlives restarts; for a schedule from the config it lasts until the
 * schedule's config entry changes.
 */
import type { Schedule, ScheduleRun } from "../../client/index.ts";
import type { Command } from "../command.ts";
import { EXIT, usageError } from "../errors.ts";
import { formatTime } from "../format.ts";
import { print, printJson } from "../output.ts";
import { didYouMean } from "../suggest.ts";

const ACTIONS = ["run", "pause", "resume"] as const;
type Action = (typeof ACTIONS)[number];

export const schedule: Command = {
  summary: "run, pause or resume a schedule",
  subcommands: ACTIONS,
  flags: {},
  positionals: ["ACTION", "NAME"],
  async run(ctx) {
    const [action, name] = ctx.args.positionals as [string, string];
    if (!(ACTIONS as readonly string[]).includes(action)) {
      throw usageError(`unknown action '${action}'${didYouMean(action, ACTIONS)} (expected ${ACTIONS.join(", ")})`);
    }
    const body = await ctx.client().schedules[action as Action](name);
    if (ctx.json) await printJson(body);
    else await print(describe(action as Action, name, body));
    return EXIT.ok;
  },
};

function describe(action: Action, name: string, body: ScheduleRun | Schedule): string {
  if (action === "run") return (body as ScheduleRun).id;
  const s = body as Schedule;
  if (action === "pause") return `paused ${name}`;
  return s.next_run_at ? `resumed ${name}; next run ${formatTime(s.next_run_at)}` : `resumed ${name} (${s.state})`;
}
