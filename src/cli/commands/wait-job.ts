/**
 * Waiting for a submitted job (`gaia submit --wait`): long-poll with `?wait=S` until the
 * job is terminal or the deadline passes. On a terminal, each poll is a quarter second long
 * so that a progress bar can move; elsewhere each poll waits as long as it may.
 */
import { TERMINAL_STATES, type Accepted, type Job } from "../api-types.ts";
import { segment, withQuery, type GaiaClient } from "../client.ts";
import { formatProgress } from "../format.ts";

/** One poll never asks for more than this, in case the server clamps or refuses longer waits. */
const MAX_POLL_S = 30;
/** On a terminal each poll is short, so the bar follows the job's progress closely. */
const LIVE_POLL_S = 0.25;
const SPIN_MS = 100;
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export async function submitAndWait(
  client: GaiaClient,
  body: Record<string, unknown>,
  deadline: number,
  progress: ProgressLine | undefined,
): Promise<Job | Accepted> {
  // POST ?wait=S answers 200 with the finished job, or 202 {id, state} if it is not done yet.
  let job = await client.call<Job | Accepted>("POST", withQuery("/v1/jobs", { wait: pollSeconds(deadline, progress) }), {
    json: body,
  });
  try {
    while (!TERMINAL_STATES.has(job.state)) {
      progress?.show(job);
      const wait = pollSeconds(deadline, progress);
      if (wait === 0) break;
      job = await client.call<Job>("GET", withQuery(`/v1/jobs/${segment(job.id)}`, { wait }));
    }
  } finally {
    progress?.clear();
  }
  return job;
}

/** Seconds to wait in the next poll; 0 once the deadline has passed. */
function pollSeconds(deadline: number, progress: ProgressLine | undefined): number {
  const left = (deadline - Date.now()) / 1000;
  if (left <= 0) return 0;
  return Math.min(Math.ceil(left), progress ? LIVE_POLL_S : MAX_POLL_S);
}

/**
 * The live line on a terminal, redrawn in place on stderr: a progress bar while the job
 * reports progress, else a spinner; both with the time since submission. Cleared before the
 * result is printed, so what stays on the screen (and in stdout) is the result alone.
 */
export class ProgressLine {
  private readonly started = Date.now();
  private job: Job | Accepted | null = null;
  private frame = 0;
  private readonly timer = setInterval(() => this.draw(), SPIN_MS).unref();

  show(job: Job | Accepted): void {
    this.job = job;
    this.draw();
  }

  private draw(): void {
    if (!this.job) return;
    const elapsed = `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
    const progress = (this.job as Job).progress;
    const text = progress && typeof progress.fraction === "number"
      ? `${formatProgress(progress.fraction, progress.message)}  ${elapsed}`
      : `${SPINNER[this.frame++ % SPINNER.length]} ${this.job.state} ${elapsed}`;
    // A wrapped line cannot be redrawn with \r; a pty with no size set reports 0 columns.
    const width = Math.max(20, (process.stderr.columns || 80) - 1);
    process.stderr.write(`\r\x1b[2K${text.slice(0, width)}`);
  }

  clear(): void {
    clearInterval(this.timer);
    if (this.job) process.stderr.write("\r\x1b[2K");
    this.job = null;
  }
}
