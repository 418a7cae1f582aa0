/**
 * `gaia jobs [--state S] [--task T] [--schedule N] [--limit N] [--after ID]`: a page of jobs,
 * newest first. `order=desc` is sent every time, so the order does not hang on the server's
 * default (which is moving to newest first). When there are more, the human output says how
 * to get the next page (on stderr, so piping the table stays clean).
 */
import { JOB_STATES, type Job } from "../../client/index.ts";
import { integerFlag, stringFlag } from "../args.ts";
import type { Command } from "../command.ts";
import { EXIT } from "../errors.ts";
import { formatTime } from "../format.ts";
import { print, printError, printJson } from "../output.ts";
import { table, type Column } from "../table.ts";

const COLUMNS: Column<Job>[] = [
  { header: "id", value: (j) => j.id },
  { header: "task", value: (j) => j.task },
  { header: "state", value: (j) => j.state },
  { header: "attempts", value: (j) => j.attempts, align: "right" },
  { header: "created", value: (j) => formatTime(j.created_at) },
  { header: "execution ms", value: (j) => (typeof j.execution_ms === "number" ? Math.round(j.execution_ms) : "-"), align: "right" },
];

export const jobs: Command = {
  summary: "list jobs, newest first",
  flags: {
    state: { type: "string", values: JOB_STATES, meta: "S" },
    task: { type: "string", meta: "T" },
    schedule: { type: "string", meta: "NAME" },
    limit: { type: "string", meta: "N" },
    after: { type: "string", meta: "ID" },
  },
  positionals: [],
  async run(ctx) {
    const { args } = ctx;
    // --state is checked by the server, whose 400 names the states it knows.
    const body = await ctx.client().jobs({
      state: stringFlag(args, "state") as Job["state"] | undefined,
      task: stringFlag(args, "task"),
      schedule: stringFlag(args, "schedule"),
      limit: integerFlag(args, "limit", 1),
      after: stringFlag(args, "after"),
      order: "desc",
    });
    if (ctx.json) {
      await printJson(body);
      return EXIT.ok;
    }
    await print(body.jobs.length ? table(body.jobs, COLUMNS) : "no jobs");
    if (body.next) await printError(`more: gaia jobs --after ${body.next}${pageFlags(args)}`);
    return EXIT.ok;
  },
};

/** The filters of this page, repeated so the hint's next page is of the same list. */
function pageFlags(args: Parameters<typeof stringFlag>[0]): string {
  return ["state", "task", "schedule", "limit"].map((name) => (stringFlag(args, name) ? ` --${name} ${stringFlag(args, name)}` : "")).join("");
}
