/**
 * `gaia submit TASK [--payload JSON|@FILE] [--array NAME=FILE.npy] [--wait] [--timeout S]
 *  [--session ID] [--idempotency-key KEY]`
 *
 * With --dry-run: prints what would happen now (pool, worker and its devices, timeout,
 * retries) and journals nothing.
 * Without --wait: prints the new job's id (or `{id, state}` with --json) and exits 0 once
 * the job is journaled. With --wait: prints the result value as JSON (or the whole job with
 * --json), and exits 1 when the job ended in any state but `succeeded`, with
 * `gaia: job ID STATE: TYPE: MESSAGE` on stderr.
 *
 * `--timeout S` is the job's own time limit (`timeout_s`, SPEC §5) and also bounds --wait:
 * the CLI waits S seconds plus a grace for gaia's `timed_out` verdict to arrive. Without it
 * the task's policy decides the job's limit and --wait gives up after 300 s. A wait that
 * ends before the job does exits 1 and says so; the job keeps running.
 */
import type { Accepted, Job } from "../api-types.ts";
import { booleanFlag, listFlag, secondsFlag, stringFlag } from "../args.ts";
import type { Command, Context } from "../command.ts";
import { CliError, EXIT } from "../errors.ts";
import { print, printError, printJson, stderrIsTerminal } from "../output.ts";
import { checkArrays, readPayload, uploadArrays } from "./submit-input.ts";
import { ProgressLine, submitAndWait } from "./wait-job.ts";

const DEFAULT_WAIT_S = 300;
/** Time for gaia to kill a timed-out worker and record `timed_out` after the limit passed. */
const TIMEOUT_GRACE_S = 10;

export const submit: Command = {
  flags: {
    payload: { type: "string" },
    array: { type: "list" },
    wait: { type: "boolean" },
    "dry-run": { type: "boolean" },
    timeout: { type: "string" },
    session: { type: "string" },
    "idempotency-key": { type: "string" },
  },
  positionals: ["TASK"],
  async run(ctx) {
    const { args } = ctx;
    // Read and check every input before talking to gaia: usage errors come first.
    const timeout = secondsFlag(args, "timeout");
    const payload = await readPayload(stringFlag(args, "payload"));
    const arrays = await checkArrays(listFlag(args, "array"));
    const client = ctx.client();
    if (booleanFlag(args, "dry-run")) {
      if (arrays.length) throw new CliError(EXIT.usage, "--dry-run checks a job without uploading anything; leave out --array (or name uploaded arrays in the payload's job)", { usage: true });
      const body = { task: args.positionals[0]!, payload, timeout_s: timeout, session_id: stringFlag(args, "session"), idempotency_key: stringFlag(args, "idempotency-key") };
      await printJson(await client.call("POST", "/v1/jobs?dry_run=true", { json: body }));
      return EXIT.ok;
    }
    const body = {
      task: args.positionals[0]!,
      payload,
      arrays: await uploadArrays(client, arrays),
      timeout_s: timeout,
      session_id: stringFlag(args, "session"),
      idempotency_key: stringFlag(args, "idempotency-key"),
    }; // undefined fields vanish in JSON.stringify, so the server sees only what was given
    if (!booleanFlag(args, "wait")) {
      const accepted = await client.call<Accepted>("POST", "/v1/jobs", { json: body });
      if (ctx.json) await printJson(accepted);
      else await print(accepted.id);
      return EXIT.ok;
    }
    const waitS = timeout === undefined ? DEFAULT_WAIT_S : timeout + TIMEOUT_GRACE_S;
    // The live line only when a person watches: with stdout piped, print the result alone.
    const progress = stderrIsTerminal() && process.stdout.isTTY === true && !ctx.json ? new ProgressLine() : undefined;
    const job = await submitAndWait(client, body, Date.now() + waitS * 1000, progress);
    return report(ctx, job, waitS);
  },
};

/** Prints the outcome of a waited-for job and gives its exit code. */
async function report(ctx: Context, job: Job | Accepted, waitedS: number): Promise<number> {
  if (ctx.json) await printJson(job);
  if (job.state === "queued" || job.state === "running") {
    throw new CliError(
      EXIT.failed,
      `job ${job.id} is still ${job.state} after ${waitedS} s; it keeps running ('gaia job ${job.id}' shows it, 'gaia cancel ${job.id}' stops it)`,
    );
  }
  const done = job as Job;
  if (done.state === "succeeded") {
    if (!ctx.json) await print(JSON.stringify(done.result ?? null, null, 2));
    return EXIT.ok;
  }
  const error = done.error;
  if (!ctx.json && error?.traceback) await printError(error.traceback.trimEnd());
  const why = error ? `: ${error.type}: ${error.message}` : "";
  throw new CliError(EXIT.failed, `job ${done.id} ${done.state}${why}`);
}
