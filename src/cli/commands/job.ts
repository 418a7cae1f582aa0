/**
 * `gaia job ID [--logs] [--save-arrays DIR]`: one job as `key: value` lines, or the API's
 * JSON. A failed job is not an error of this command (exit 0): it did what was asked, which
 * was to show the job. `--logs` prints the lines the job printed instead, per attempt
 * (`GET /v1/jobs/ID/logs`); `--save-arrays DIR` also writes each result array as
 * `DIR/NAME.npy`.
 */
import type { Job } from "../../client/index.ts";
import { booleanFlag, stringFlag } from "../args.ts";
import type { Command } from "../command.ts";
import { EXIT } from "../errors.ts";
import { formatMiB, formatMs, formatTime, formatValue } from "../format.ts";
import { print, printJson } from "../output.ts";
import { fields } from "../table.ts";
import { formatJobLogs } from "./job-logs.ts";
import { saveArrays } from "./save-arrays.ts";

export const job: Command = {
  summary: "one job: state, timings, worker, result or error; --logs its output",
  flags: { logs: { type: "boolean" }, "save-arrays": { type: "string", path: "dir", meta: "DIR" } },
  positionals: ["ID"],
  async run(ctx) {
    const client = ctx.client();
    const id = ctx.args.positionals[0]!;
    if (booleanFlag(ctx.args, "logs")) {
      const logs = await client.jobLogs(id);
      if (ctx.json) await printJson(logs);
      else await print(formatJobLogs(logs));
      return EXIT.ok;
    }
    const body = await client.job(id);
    if (ctx.json) await printJson(body);
    else await print(formatJob(body));
    const dir = stringFlag(ctx.args, "save-arrays");
    if (dir !== undefined) await saveArrays(client, body, dir, ctx.json);
    return EXIT.ok;
  },
};

export function formatJob(job: Job): string {
  const pairs: [string, string][] = [
    ["id", job.id],
    ["task", job.task],
    ["pool", job.pool ?? "-"],
    ["state", job.state],
    ["attempts", `${job.attempts ?? 0}/${job.max_attempts ?? "?"}`],
    ["created", formatTime(job.created_at)],
    ["started", formatTime(job.started_at)],
    ["finished", formatTime(job.finished_at)],
    ["worker", job.worker ? `${job.worker.id}${job.worker.pid ? ` (pid ${job.worker.pid})` : ""}` : "-"],
    ["execution", formatMs(job.execution_ms)],
  ];
  // Optional facts only when they say something, so the common job stays short.
  if (job.usage) pairs.push(["usage", formatUsage(job.usage)]);
  if (job.progress && job.state === "running") {
    const message = job.progress.message ? ` ${job.progress.message}` : "";
    pairs.push(["progress", `${Math.floor(job.progress.fraction * 100)}%${message}`]);
  }
  if (job.priority) pairs.push(["priority", String(job.priority)]);
  if (job.not_before && job.state === "queued") pairs.push(["not before", formatTime(job.not_before)]);
  if (job.schedule) pairs.push(["schedule", job.schedule]);
  if (job.session_id) pairs.push(["session", job.session_id]);
  if (job.idempotency_key) pairs.push(["idempotency key", job.idempotency_key]);
  pairs.push(["payload", formatValue(job.payload)]);
  if (job.arrays && Object.keys(job.arrays).length) pairs.push(["arrays", formatValue(job.arrays)]);
  if (job.state === "succeeded") pairs.push(["result", formatValue(job.result ?? null)]);
  if (job.result_arrays && Object.keys(job.result_arrays).length) pairs.push(["result arrays", formatValue(job.result_arrays)]);
  if (job.error) {
    pairs.push(["error", `${job.error.type}: ${job.error.message}`]);
    if (job.error.traceback) pairs.push(["traceback", job.error.traceback.trimEnd()]);
  }
  return fields(pairs);
}

function formatUsage(usage: NonNullable<Job["usage"]>): string {
  const parts = [];
  if (typeof usage.user_ms === "number") parts.push(`user ${formatMs(usage.user_ms)}`);
  if (typeof usage.sys_ms === "number") parts.push(`sys ${formatMs(usage.sys_ms)}`);
  if (typeof usage.max_rss_kb === "number") parts.push(`max rss ${formatMiB(usage.max_rss_kb)} MiB`);
  return parts.join(", ") || "-";
}
