/**
 * Waiting for a submitted job (`gaia submit --wait`): long-poll with `?wait=S` until the
 * job is terminal or the deadline passes. On a terminal, each poll is 1 s long so that a
 * progress bar can move; elsewhere each poll waits as long as it may.
 */
import { TERMINAL_STATES, type Accepted, type Job } from "../api-types.ts";
import { segment, withQuery, type GaiaClient } from "../client.ts";
import { formatProgress } from "../format.ts";

/** One poll never asks for more than this, in case the server clamps or refuses longer waits. */
const MAX_POLL_S = 30;

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
  const left = Math.ceil((deadline - Date.now()) / 1000);
  if (left <= 0) return 0;
  return Math.min(left, progress ? 1 : MAX_POLL_S);
}

/** A one-line progress bar on stderr, redrawn in place, shown only while the job reports progress. */
export class ProgressLine {
  private shown = false;

  show(job: Job | Accepted): void {
    const progress = (job as Job).progress;
    if (!progress || typeof progress.fraction !== "number") return;
    const width = Math.max(20, (process.stderr.columns ?? 80) - 1); // a wrapped line cannot be redrawn with \r
    process.stderr.write(`\r\x1b[2K${formatProgress(progress.fraction, progress.message).slice(0, width)}`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) process.stderr.write("\r\x1b[2K");
    this.shown = false;
  }
}
