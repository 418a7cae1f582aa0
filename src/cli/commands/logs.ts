/**
 * `gaia logs [WORKER] [--tail N] [-f]`: the last lines every process printed (the
 * supervisor keeps 1,000 per process), or one process's (a worker id, `io`, `supervisor`).
 *
 * `-f` polls `/v1/logs?after=SEQ` every 500 ms until Ctrl-C. Sequence numbers are global
 * across processes (that is what makes `after` meaningful on the all-processes route), so
 * following one worker polls the same route and keeps only that worker's lines; the cursor
 * moves over every line received so nothing is fetched twice.
 *
 * With `--json` a plain `gaia logs` prints the API's body; `-f --json` prints one compact
 * JSON object per line (NDJSON), which is what a script reading a stream wants.
 */
import type { GaiaClient, LogLine, LogPage } from "../../client/index.ts";
import type { Command, Context } from "../command.ts";
import { booleanFlag, integerFlag } from "../args.ts";
import { EXIT } from "../errors.ts";
import { print, printJson } from "../output.ts";

const DEFAULT_TAIL = 100;
const POLL_MS = 500;
/** Per poll; the server keeps at most 1,000 lines per process anyway. */
const FOLLOW_BATCH = 1000;

export const logs: Command = {
  summary: "recent output of every process, or of one; -f follows",
  flags: { tail: { type: "string", meta: "N" }, follow: { type: "boolean", short: "f" } },
  positionals: ["WORKER?"],
  async run(ctx) {
    const worker = ctx.args.positionals[0];
    const tail = integerFlag(ctx.args, "tail", 0) ?? DEFAULT_TAIL;
    const follow = booleanFlag(ctx.args, "follow");
    const client = ctx.client();
    // Where the log stands now, before the first answer: with --tail 0, or a quiet worker,
    // the first answer has no line to take the cursor from.
    const start = follow ? lastSeq((await fetchSince(client, undefined, 1)).lines, -1) : -1;
    // The API asks for tail >= 1 (it refuses 0), so --tail 0 asks for one line and drops it;
    // the request still checks that WORKER exists.
    const n = Math.max(1, tail);
    const body: { process?: string; lines: LogLine[] } = worker === undefined ? await client.logs({ tail: n }) : await client.workerLogs(worker, n);
    body.lines = tail === 0 ? [] : body.lines.slice(-tail);
    if (!follow) {
      if (ctx.json) await printJson(body);
      else await printLines(body.lines, new Width());
      return EXIT.ok;
    }
    const only = worker === undefined ? undefined : (body.process ?? worker);
    await followLogs(ctx, client, body.lines, lastSeq(body.lines, start), only);
    return EXIT.ok;
  },
};

/** Prints `first`, then polls for newer lines until Ctrl-C. */
async function followLogs(ctx: Context, client: GaiaClient, first: LogLine[], from: number, only: string | undefined): Promise<void> {
  const width = new Width();
  const emit = (lines: LogLine[]) => (ctx.json ? printNdjson(lines) : printLines(lines, width));
  let cursor = from;
  await emit(first);
  const stop = interruptible();
  try {
    let more = false;
    // A full page means more wait: read on at once rather than after a pause, so a burst of
    // lines between two polls is printed whole.
    while (more || !(await stop.sleep(POLL_MS))) {
      const body = await fetchSince(client, cursor, FOLLOW_BATCH);
      // The filter on seq also keeps us right if a server ignores `after`.
      const fresh = body.lines.filter((l) => l.seq > cursor);
      cursor = lastSeq(fresh, cursor);
      more = body.more === true && fresh.length > 0;
      await emit(only === undefined ? fresh : fresh.filter((l) => l.process === only));
    }
  } finally {
    stop.dispose();
  }
}

/** Lines of every process after `cursor` (-1 or undefined: none seen yet, the last `tail`). */
function fetchSince(client: GaiaClient, cursor: number | undefined, tail: number): Promise<LogPage> {
  const after = cursor !== undefined && cursor >= 0 ? cursor : undefined;
  return client.logs({ tail, after });
}

function lastSeq(lines: LogLine[], fallback: number): number {
  return lines.reduce((max, l) => Math.max(max, l.seq), fallback);
}

/** The process column's width, which only grows, so followed lines stay aligned. */
class Width {
  value = 0;
  fit(lines: LogLine[]): number {
    for (const l of lines) this.value = Math.max(this.value, l.process.length);
    return this.value;
  }
}

async function printLines(lines: LogLine[], width: Width): Promise<void> {
  if (lines.length === 0) return;
  const w = width.fit(lines);
  // A message of several lines (a traceback under GAIA_LOG_FORMAT=json) keeps the prefix on each.
  await print(lines.flatMap((l) => l.line.split("\n").map((part) => `${l.process.padEnd(w)} | ${part}`)).join("\n"));
}

async function printNdjson(lines: LogLine[]): Promise<void> {
  if (lines.length > 0) await print(lines.map((l) => JSON.stringify(l)).join("\n"));
}

/** A sleep that Ctrl-C cuts short: `sleep` resolves true once SIGINT arrived. Following
 * ends there with exit 0, since stopping is what the user asked for. */
function interruptible(): { sleep(ms: number): Promise<boolean>; dispose(): void } {
  let interrupted = false;
  let wake: (() => void) | undefined;
  const onSigint = () => {
    interrupted = true;
    wake?.();
  };
  process.on("SIGINT", onSigint);
  return {
    async sleep(ms) {
      if (!interrupted) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, ms);
        });
      }
      return interrupted;
    },
    dispose: () => process.off("SIGINT", onSigint),
  };
}
