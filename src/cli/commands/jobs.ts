/**
 * `gaia jobs [--state S] [--task T] [--limit N] [--after ID]`: a page of jobs in the order
 * the API gives them. When there are more, the human output says how to get
 * the next page (on stderr, so piping the table stays clean).
 */
import type { Job, JobList } from "../api-types.ts";
import { integerFlag, stringFlag } from "../args.ts";
import { withQuery } from "../client.ts";
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
  flags: {
    state: { type: "string" },
    task: { type: "string" },
    limit: { type: "string" },
    after: { type: "string" },
  },
  positionals: [],
  async run(ctx) {
    const { args } = ctx;
    // --state is checked by the server, whose 400 names the states it knows.
    const query = {
      state: stringFlag(args, "state"),
      task: stringFlag(args, "task"),
      limit: integerFlag(args, "limit", 1),
      after: stringFlag(args, "after"),
    };
    const body = await ctx.client().call<JobList>("GET", withQuery("/v1/jobs", query));
    if (ctx.json) {
      await printJson(body);
      return EXIT.ok;
    }
    await print(body.jobs.length ? table(body.jobs, COLUMNS) : "no jobs");
    if (body.next) await printError(`more: gaia jobs --after ${body.next}`);
    return EXIT.ok;
  },
};
