/** `gaia status`: who is running, its pools at a glance, how many jobs are where, and sessions. */
import type { EngineStatus, PoolStatus, Status } from "../../client/index.ts";
import type { Command } from "../command.ts";
import { EXIT } from "../errors.ts";
import { formatDuration, truncate } from "../format.ts";
import { print, printJson } from "../output.ts";
import { fields, table, type Column } from "../table.ts";

/** A pool as either status shows it: the supervisor's own (the IO engine restarting) knows no queue. */
type Pool = Pick<PoolStatus, "name" | "runtime" | "ready" | "size" | "state" | "last_error"> & { queued: number | null };

const POOL_COLUMNS: Column<Pool>[] = [
  { header: "pool", value: (p) => p.name },
  { header: "runtime", value: (p) => p.runtime },
  { header: "ready", value: (p) => `${p.ready}/${p.size}`, align: "right" },
  { header: "state", value: (p) => p.state },
  { header: "queued", value: (p) => p.queued ?? "-", align: "right" },
  // The whole error is in `--json` and in `gaia logs`; here it must fit on the line.
  { header: "last error", value: (p) => (p.last_error ? truncate(p.last_error, 60) : "-") },
];

const JOB_STATES = ["queued", "running", "succeeded", "failed", "timed_out", "cancelled"] as const;

export const status: Command = {
  summary: "version, uptime, pools and job counts",
  flags: {},
  positionals: [],
  async run(ctx) {
    const body = await ctx.client().status();
    if (ctx.json) await printJson(body);
    else await print(formatStatus(body));
    return EXIT.ok;
  },
};

/** The IO engine answered (not the supervisor on its behalf, while it restarts). */
const fromEngine = (s: Status): s is EngineStatus => s.io.state === "ok";

export function formatStatus(s: Status): string {
  const engine = fromEngine(s) ? s : null;
  const io = `${s.io.state}${s.io.pid ? ` (pid ${s.io.pid})` : ""}`;
  const summary = fields([
    ["version", String(s.version ?? "-")],
    ["run id", String(s.run_id)],
    ["pid", String(s.pid)],
    ["uptime", s.uptime_s === undefined ? "-" : formatDuration(s.uptime_s)],
    ["state", String(s.state ?? "-")],
    ["io engine", io],
  ]);
  const pools = s.pools?.length ? table<Pool>(s.pools, POOL_COLUMNS) : "no pools";
  const counts = JOB_STATES.map((state) => `${engine?.jobs[state] ?? 0} ${state.replace("_", " ")}`).join(", ");
  const sessions = engine?.sessions.total ? `\nsessions: ${Object.entries(engine.sessions.by_state).map(([state, n]) => `${n} ${state}`).join(", ")}` : "";
  return `${summary}\n\n${pools}\n\njobs: ${counts}${sessions}`;
}
