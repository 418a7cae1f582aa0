/** `gaia workers`: one line per worker process, for spotting the leaky or crashing one. */
import type { Worker } from "../../client/index.ts";
import type { Command } from "../command.ts";
import { EXIT } from "../errors.ts";
import { formatExit, formatMiB } from "../format.ts";
import { print, printJson } from "../output.ts";
import { table, type Column } from "../table.ts";

const COLUMNS: Column<Worker>[] = [
  { header: "id", value: (w) => w.id },
  { header: "pool", value: (w) => w.pool },
  { header: "state", value: (w) => w.state },
  { header: "pid", value: (w) => w.pid, align: "right" },
  { header: "rss mib", value: (w) => formatMiB(w.rss_kb), align: "right" },
  { header: "jobs done", value: (w) => w.jobs_done, align: "right" },
  { header: "restarts", value: (w) => w.restarts, align: "right" },
  { header: "last exit", value: (w) => formatExit(w.last_exit) },
];

export const workers: Command = {
  summary: "each worker: state, pid, memory, jobs done, restarts, last exit",
  flags: {},
  positionals: [],
  async run(ctx) {
    const body = await ctx.client().workers();
    if (ctx.json) await printJson(body);
    else await print(body.workers.length ? table(body.workers, COLUMNS) : "no workers");
    return EXIT.ok;
  },
};
