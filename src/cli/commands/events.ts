/**
 * `gaia events [--job ID] [--session ID]`: the events stream (SPEC §7) as it comes, one line
 * per event, until Ctrl-C (exit 0):
 *
 *   2026-11-22 11:54:19Z  process.exited  process=default-0 pool=default pid=31882 signal=SIGKILL reason=crash
 *
 * With --json, one JSON object per line (`{id, kind, at, data}`), for scripts. The client
 * reconnects with Last-Event-ID when the stream drops (an IO engine restart), so nothing
 * gaia still holds is missed; it gives up, exit 3, after failing again and again.
 */
import type { GaiaEvent } from "../../client/index.ts";
import { stringFlag } from "../args.ts";
import type { Command } from "../command.ts";
import { EXIT } from "../errors.ts";
import { formatTime } from "../format.ts";
import { print } from "../output.ts";

export const events: Command = {
  summary: "print events as they come (processes, jobs, schedules) until Ctrl-C",
  flags: { job: { type: "string", meta: "ID" }, session: { type: "string", meta: "ID" } },
  positionals: [],
  async run(ctx) {
    const subscription = await ctx.client().subscribe({ job: stringFlag(ctx.args, "job"), session: stringFlag(ctx.args, "session") });
    // Ctrl-C ends the stream, and with it the loop: stopping is what the user asked for.
    const stop = () => subscription.close();
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    try {
      for await (const event of subscription) await print(ctx.json ? JSON.stringify(event) : formatEvent(event));
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
    return EXIT.ok;
  },
};

/** `TIME  KIND  key=value ...`: nulls left out, strings quoted only when they need it. */
export function formatEvent(event: GaiaEvent): string {
  const pairs = Object.entries(event.data ?? {})
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  return [formatTime(event.at) || "-", event.kind, ...(pairs.length ? [pairs.join(" ")] : [])].join("  ");
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}
