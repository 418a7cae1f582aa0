/**
 * `gaia submit TASK [--payload JSON|@FILE] [--array NAME=FILE.npy] [--priority N] [--delay S]
 *  [--wait] [--timeout S] [--save-arrays DIR] [--session ID] [--idempotency-key KEY] [--dry-run]`
 *
 * With --dry-run: prints what would happen now (pool, worker and its devices, timeout,
 * retries) and journals nothing.
 * Without --wait: prints the new job's id (or `{id, state}` with --json) and exits 0 once
 * the job is journaled. With --wait: the id on stderr at once (so a Ctrl-C'd wait still says
 * which job it was), then the result value as JSON on stdout (or the whole job with --json);
 * exits 1 when the job ended in any state but `succeeded`, with
 * `gaia: job ID STATE: TYPE: MESSAGE` on stderr. `--save-arrays DIR` then writes the result
 * arrays as DIR/NAME.npy.
 *
 * `--timeout S` is the job's own time limit (`timeout_s`, SPEC §5) and also bounds --wait:
 * the CLI waits S seconds plus a grace for gaia's `timed_out` verdict to arrive, plus any
 * `--delay`. Without it the task's policy decides the job's limit and --wait gives up after
 * 300 s. A wait that ends before the job does exits 1 and says so; the job keeps running.
 */
import type { Accepted, Job, SubmitRequest } from "../../client/index.ts";
import { booleanFlag, listFlag, secondsFlag, stringFlag, type ParsedArgs } from "../args.ts";
import type { Command, Context } from "../command.ts";
import { CliError, EXIT, usageError } from "../errors.ts";
import { print, printError, printJson, stderrIsTerminal } from "../output.ts";
import { saveArrays } from "./save-arrays.ts";
import { checkArrays, readPayload, uploadArrays } from "./submit-input.ts";
import { ProgressLine, waitForJob } from "./wait-job.ts";

const DEFAULT_WAIT_S = 300;
/** Time for gaia to kill a timed-out worker and record `timed_out` after the limit passed. */
const TIMEOUT_GRACE_S = 10;

export const submit: Command = {
  summary: "submit a job; --wait waits for it and prints its result",
  flags: {
    payload: { type: "string", meta: "JSON|@FILE" },
    array: { type: "list", meta: "NAME=FILE.npy" },
    priority: { type: "string", meta: "N" },
    delay: { type: "string", meta: "S" },
    wait: { type: "boolean" },
    timeout: { type: "string", meta: "S" },
    "save-arrays": { type: "string", path: "dir", meta: "DIR" },
    "dry-run": { type: "boolean" },
    session: { type: "string", meta: "ID" },
    "idempotency-key": { type: "string", meta: "KEY" },
  },
  positionals: ["TASK"],
  async run(ctx) {
    const { args } = ctx;
    // Read and check every input before talking to gaia: usage errors come first.
    const fields = jobFields(args);
    const payload = await readPayload(stringFlag(args, "payload"));
    const arrays = await checkArrays(listFlag(args, "array"));
    const wait = booleanFlag(args, "wait");
    const saveTo = stringFlag(args, "save-arrays");
    if (saveTo !== undefined && !wait) throw usageError("--save-arrays needs --wait: the arrays exist once the job has succeeded (or use 'gaia job ID --save-arrays DIR' later)");
    const client = ctx.client();
    const task = args.positionals[0]!;
    if (booleanFlag(args, "dry-run")) {
      if (arrays.length) throw usageError("--dry-run checks a job without uploading anything; leave out --array");
      await printJson(await client.dryRun(task, payload, fields));
      return EXIT.ok;
    }
    const accepted = (await client.submit(task, payload, { ...fields, arrays: await uploadArrays(client, arrays) })) as Accepted;
    if (!wait) {
      if (ctx.json) await printJson(accepted);
      else await print(accepted.id);
      return EXIT.ok;
    }
    await printError(accepted.id);
    const waitS = (fields.timeout_s === undefined ? DEFAULT_WAIT_S : fields.timeout_s + TIMEOUT_GRACE_S) + (fields.delay_s ?? 0);
    // The live line only when a person watches: with stdout piped, print the result alone.
    const progress = stderrIsTerminal() && process.stdout.isTTY === true && !ctx.json ? new ProgressLine() : undefined;
    const job = await waitForJob(client, accepted, Date.now() + waitS * 1000, progress);
    const code = await report(ctx, job, waitS);
    if (saveTo !== undefined) await saveArrays(client, job as Job, saveTo, ctx.json);
    return code;
  },
};

/** The job's fields from the flags; undefined ones vanish from the JSON body. */
function jobFields(args: ParsedArgs): Omit<SubmitRequest, "task" | "payload" | "arrays"> {
  return {
    timeout_s: secondsFlag(args, "timeout"),
    priority: priorityFlag(stringFlag(args, "priority")),
    delay_s: delayFlag(stringFlag(args, "delay")),
    session_id: stringFlag(args, "session"),
    idempotency_key: stringFlag(args, "idempotency-key"),
  };
}

function priorityFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\s*[-+]?\d+\s*$/.test(text)) throw usageError(`--priority: expected an integer (higher runs first; default 0), got ${JSON.stringify(text)}`);
  return Number(text);
}

function delayFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0) throw usageError(`--delay: expected a number of seconds >= 0, got ${JSON.stringify(text)}`);
  return value;
}

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
