/**
 * `gaia job ID [--save-arrays DIR]`: one job as `key: value` lines, or the API's JSON. A
 * failed job is not an error of this command (exit 0): it did what was asked, which was to
 * show the job. `--save-arrays DIR` also writes each result array as `DIR/NAME.npy`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Job } from "../api-types.ts";
import { segment, type GaiaClient } from "../client.ts";
import type { Command } from "../command.ts";
import { stringFlag } from "../args.ts";
import { CliError, EXIT, usageError } from "../errors.ts";
import { formatMiB, formatMs, formatTime, formatValue } from "../format.ts";
import { print, printJson } from "../output.ts";
import { fields } from "../table.ts";

export const job: Command = {
  flags: { "save-arrays": { type: "string" } },
  positionals: ["ID"],
  async run(ctx) {
    const client = ctx.client();
    const body = await client.call<Job>("GET", `/v1/jobs/${segment(ctx.args.positionals[0]!)}`);
    if (ctx.json) await printJson(body);
    else await print(formatJob(body));
    const dir = stringFlag(ctx.args, "save-arrays");
    if (dir !== undefined) await saveArrays(client, body, dir, !ctx.json);
    return EXIT.ok;
  },
};

/** Downloads each result array as `.npy` into `dir` (made if missing). */
async function saveArrays(client: GaiaClient, job: Job, dir: string, say: boolean): Promise<void> {
  const arrays = Object.entries(job.result_arrays ?? {});
  if (arrays.length === 0) throw new CliError(EXIT.failed, `job ${job.id} has no result arrays to save (it is ${job.state})`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw usageError(`--save-arrays ${dir}: cannot make the folder: ${(err as { code?: string }).code ?? (err as Error).message}`);
  }
  for (const [key, name] of arrays as [string, string][]) {
    if (!/^[A-Za-z0-9_.-]+$/.test(key) || key.startsWith(".")) throw new CliError(EXIT.failed, `result array '${key}' has a name that is not safe as a file name`);
    const response = await client.download(`/v1/arrays/${segment(name)}`, "application/x-npy");
    const path = join(dir, `${key}.npy`);
    await Bun.write(path, response);
    if (say) await print(`saved ${key} → ${path}`);
  }
}

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
