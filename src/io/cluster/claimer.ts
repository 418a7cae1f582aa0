/**
 * How a node takes jobs from the shared queue (SPEC §13): for each of its pools with
 * workers, as many queued jobs as it has room for, in one `FOR UPDATE SKIP LOCKED`
 * statement (journal/pg-cluster.ts). Room (`roomOf`) is one job per connected worker and as
 * many more as the worker runs within AHEAD_MS (the pool's jobs' mean run time, as seen
 * here), up to MAX_PER_WORKER, less the jobs the node already holds in that pool: a short
 * job's next one is here when it ends (a claim is a round trip to the database), while long
 * jobs are not hoarded by one node as the others idle.
 *
 * Woken by `jobs_queued` notifications, by a submission here, by a job ending here, and by
 * a poll every POLL_MS, which is also what picks up jobs whose `not_before` has come (a
 * delayed submission, a retry's backoff). One round at a time; a wake during a round runs
 * another after it.
 */
import type { Job } from "../job.ts";

const MAX_PER_WORKER = 256;
/** The work a node takes ahead of its workers, in time: a few claims' round trips. */
const AHEAD_MS = 20;
const CLAIM_MAX = 1000;
export const POLL_MS = 250;

export type ClaimerDeps = {
  /** Pools this node serves now, and the room each has (0 while it has no workers). */
  room(): Map<string, number>;
  /** Whether this node may take jobs now (its lease holds, it is serving, not stopping). */
  canClaim(): boolean;
  claim(pools: string[], limit: number): Promise<Job[]>;
  took(jobs: Job[]): void;
  log(line: string): void;
};

/** `meanMs`: the pool's jobs' mean run time here, or null before one ended (then one ahead per worker). */
export function roomOf(workers: number, held: number, meanMs: number | null): number {
  const ahead = meanMs === null ? 1 : Math.min(MAX_PER_WORKER - 1, Math.ceil(AHEAD_MS / Math.max(meanMs, 0.01)));
  return Math.max(0, Math.min(CLAIM_MAX, workers * (1 + ahead) - held));
}

export class Claimer {
  private phase: { kind: "idle" } | { kind: "claiming"; again: boolean } = { kind: "idle" };
  private poll: ReturnType<typeof setInterval> | null = null;
  private failure: string | null = null;

  constructor(private readonly deps: ClaimerDeps) {}

  start(): void {
    this.poll = setInterval(() => this.wake(), POLL_MS);
    this.wake();
  }

  stop(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  wake(): void {
    if (this.phase.kind === "claiming") return void (this.phase.again = true);
    this.phase = { kind: "claiming", again: false };
    void this.round().finally(() => {
      const again = this.phase.kind === "claiming" && this.phase.again;
      this.phase = { kind: "idle" };
      if (again) this.wake();
    });
  }

  private async round(): Promise<void> {
    if (!this.deps.canClaim()) return;
    for (const [pool, room] of this.deps.room()) {
      if (room <= 0) continue;
      try {
        const jobs = await this.deps.claim([pool], room);
        if (this.failure) this.deps.log(`cluster: taking jobs from the shared queue works again`);
        this.failure = null;
        if (jobs.length === 0) continue;
        this.deps.took(jobs);
        if (jobs.length === room && this.phase.kind === "claiming") this.phase.again = true;
      } catch (err) {
        const message = (err as Error).message;
        if (this.failure !== message) this.deps.log(`cluster: taking jobs of pool ${pool} from the shared queue failed (${message}); the poll tries again`);
        this.failure = message;
        return;
      }
    }
  }
}
