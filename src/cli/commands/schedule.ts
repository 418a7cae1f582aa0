/**
 * `gaia schedule run|pause|resume NAME`: a run now (prints the new job's id), or pause and
 * resume. A pause outlives restarts; for a schedule from the config it lasts until the
 * schedule's config entry changes.
 */
import type { Accepted, Schedule } from "../api-types.ts";
import { segment } from "../client.ts";
import type { Command } from "../command.ts";
import { EXIT, usageError } from "../errors.ts";
import { formatTime } from "../format.ts";
import { print, printJson } from "../output.ts";

const ACTIONS = ["run", "pause", "resume"] as const;

export const schedule: Command = {
  flags: {},
  positionals: ["ACTION", "NAME"],
  async run(ctx) {
    const [action, name] = ctx.args.positionals as [string, string];
    if (!(ACTIONS as readonly string[]).includes(action)) throw usageError(`unknown action '${action}' (expected ${ACTIONS.join(", ")})`);
    const body = await ctx.client().call<Accepted | Schedule>("POST", `/v1/schedules/${segment(name)}/${action}`);
    if (ctx.json) await printJson(body);
    else await print(describe(action, name, body));
    return EXIT.ok;
  },
};

function describe(action: string, name: string, body: Accepted | Schedule): string {
  if (action === "run") return (body as Accepted).id;
  const s = body as Schedule;
  if (action === "pause") return `paused ${name}`;
  return s.next_run_at ? `resumed ${name}; next run ${formatTime(s.next_run_at)}` : `resumed ${name} (${s.state})`;
}
