/**
 * Waiting for a submitted job (`gaia submit --wait`). The end comes from long polls
 * (`GET /v1/jobs/ID?wait=S`, up to 30 s each), which need nothing else to be right. On a
 * terminal the live line is driven by the job's own events (`GET /v1/events?job=ID`):
 * `job.progress` moves the bar the moment the task reports, with no polling; a first read of
 * the job, once subscribed, covers what happened before the stream opened. If the events
 * stream cannot be had, the line still spins and the long polls still end the wait.
 */
import type { Accepted, EventSubscription, GaiaClient, GaiaEvent, Job } from "../../client/index.ts";
import { isTerminal } from "../../client/index.ts";
import { formatProgress } from "../format.ts";

/** One poll never asks for more than this, in case the server clamps or refuses longer waits. */
const MAX_POLL_S = 30;
const SPIN_MS = 100;
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

type Seen = Pick<Job, "state"> & { progress?: Job["progress"] };

/** Waits for job `id` until it is terminal or `deadline` (epoch ms) passes; gives it as last seen. */
export async function waitForJob(client: GaiaClient, accepted: Accepted, deadline: number, progress: ProgressLine | undefined): Promise<Job | Accepted> {
  let live: EventSubscription | null = null;
  let job: Job | Accepted = accepted;
  try {
    if (progress) {
      progress.show(accepted);
      live = await client.subscribe({ job: accepted.id }).catch(() => null);
      if (live) void follow(live, progress);
      job = await client.job(accepted.id);
      progress.show(job);
    }
    while (!isTerminal(job)) {
      const left = (deadline - Date.now()) / 1000;
      if (left <= 0) break;
      job = await client.job(accepted.id, { wait: Math.min(MAX_POLL_S, Math.ceil(left)) });
      progress?.show(job);
    }
  } finally {
    live?.close();
    progress?.clear();
  }
  return job;
}

/** Feeds the job's events to the live line until the subscription is closed. */
async function follow(events: EventSubscription, progress: ProgressLine): Promise<void> {
  try {
    for await (const event of events) progress.event(event);
  } catch {
    // The stream gave up: the spinner goes on, and the long polls still end the wait.
  }
}

/**
 * The live line on a terminal, redrawn in place on stderr: a progress bar while the job
 * reports progress, else a spinner; both with the time since submission. Cleared before the
 * result is printed, so what stays on the screen (and in stdout) is the result alone.
 */
export class ProgressLine {
  private readonly started = Date.now();
  private seen: Seen | null = null;
  private frame = 0;
  private readonly timer = setInterval(() => this.draw(), SPIN_MS).unref();

  show(job: Seen): void {
    // A poll's answer may be older than the last event: it does not move the bar back.
    this.seen = { state: job.state, progress: job.progress ?? this.seen?.progress ?? null };
    this.draw();
  }

  event(event: GaiaEvent): void {
    const data = event.data as { fraction?: unknown; message?: unknown };
    if (event.kind === "job.progress" && typeof data.fraction === "number") {
      this.seen = { state: "running", progress: { fraction: data.fraction, message: typeof data.message === "string" ? data.message : null } };
    } else if (event.kind === "job.started") this.seen = { state: "running", progress: null };
    else if (event.kind === "job.queued") this.seen = { state: "queued", progress: null }; // a retry starts over
    else return;
    this.draw();
  }

  private draw(): void {
    if (!this.seen) return;
    const elapsed = `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
    const progress = this.seen.progress;
    const text = progress && typeof progress.fraction === "number"
      ? `${formatProgress(progress.fraction, progress.message)}  ${elapsed}`
      : `${SPINNER[this.frame++ % SPINNER.length]} ${this.seen.state} ${elapsed}`;
    // A wrapped line cannot be redrawn with \r; a pty with no size set reports 0 columns.
    const width = Math.max(20, (process.stderr.columns || 80) - 1);
    process.stderr.write(`\r\x1b[2K${text.slice(0, width)}`);
  }

  clear(): void {
    clearInterval(this.timer);
    if (this.seen) process.stderr.write("\r\x1b[2K");
    this.seen = null;
  }
}
