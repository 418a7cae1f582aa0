/**
 * `gaia sessions`: every pipeline session, one line each (state, pipeline, nodes, frames);
 * `gaia session start PIPELINE [--id ID]` and `gaia session stop ID` (SPEC §12). Frames go in
 * and out over the API (`/v1/sessions/ID/input/PORT`, `/output/PORT`, `/stream`), not here.
 */
import type { SessionView } from "../../client/index.ts";
import type { Command } from "../command.ts";
import { EXIT, usageError } from "../errors.ts";
import { formatTime } from "../format.ts";
import { print, printJson } from "../output.ts";
import { didYouMean } from "../suggest.ts";
import { table, type Column } from "../table.ts";

const sum = (s: SessionView, pick: (n: SessionView["nodes"][number]) => number) => s.nodes.reduce((total, n) => total + pick(n), 0);

const COLUMNS: Column<SessionView>[] = [
  { header: "id", value: (s) => s.id },
  { header: "pipeline", value: (s) => s.pipeline },
  { header: "state", value: (s) => s.state },
  { header: "nodes", value: (s) => s.nodes.length, align: "right" },
  { header: "frames in", value: (s) => sum(s, (n) => n.frames_in), align: "right" },
  { header: "frames out", value: (s) => sum(s, (n) => n.frames_out), align: "right" },
  { header: "created", value: (s) => formatTime(s.created_at) },
  { header: "reason", value: (s) => (s.reason ? `${s.reason.code} (${s.reason.node}): ${s.reason.message}` : null) },
];

export const sessions: Command = {
  summary: "every pipeline session: state, pipeline, nodes, frames",
  flags: {},
  positionals: [],
  async run(ctx) {
    const body = await ctx.client().sessions.list();
    if (ctx.json) await printJson(body);
    else await print(body.sessions.length ? table(body.sessions, COLUMNS) : "no sessions");
    return EXIT.ok;
  },
};

const ACTIONS = ["start", "stop"] as const;

export const session: Command = {
  summary: "start a session of a pipeline, or stop one",
  subcommands: ACTIONS,
  flags: { id: { type: "string", meta: "ID" } },
  positionals: ["ACTION", "PIPELINE|ID"],
  async run(ctx) {
    const [action, target] = ctx.args.positionals as [string, string];
    const client = ctx.client();
    if (action === "start") {
      const id = ctx.args.flags.get("id");
      const body = await client.sessions.start(target, typeof id === "string" ? id : undefined);
      await (ctx.json ? printJson(body) : print(body.id));
      return EXIT.ok;
    }
    if (action === "stop") {
      const body = await client.sessions.stop(target);
      await (ctx.json ? printJson(body) : print(`${body.id} ${body.state}${body.reason ? `: ${body.reason.code} (${body.reason.node})` : ""}`));
      return EXIT.ok;
    }
    throw usageError(`unknown action '${action}'${didYouMean(action, ACTIONS)} (expected ${ACTIONS.join(", ")})`);
  },
};
