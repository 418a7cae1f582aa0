/**
 * Callers at this node waiting for jobs that another node runs (SPEC §13: a job can be
 * waited on at any node). The node that ends a job notifies `jobs_done` with its id in the
 * commit that ends it (pg-batch.ts); the ids waited for here are then read back. A poll
 * every POLL_MS is the fallback for a notification lost with a connection.
 */
import { isTerminal, type Job } from "../job.ts";
import { Waiters } from "../waiters.ts";

const POLL_MS = 1000;

export class RemoteWaiters {
  private readonly waiters = new Waiters();
  private readonly waited = new Map<string, number>();
  private poll: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly read: (ids: string[]) => Promise<Job[]>,
    private readonly log: (line: string) => void,
  ) {}

  /** As Waiters.add: `done(job)` once the shared journal shows it ended, `done(null)` after `ms`. */
  add(id: string, ms: number, done: (job: Job | null) => void): () => void {
    this.waited.set(id, (this.waited.get(id) ?? 0) + 1);
    this.poll ??= setInterval(() => {
      for (const id of this.waited.keys()) this.due.add(id);
      this.soon();
    }, POLL_MS);
    let left = true;
    const forget = () => {
      if (!left) return;
      left = false;
      stop();
      const n = (this.waited.get(id) ?? 1) - 1;
      if (n > 0) this.waited.set(id, n);
      else this.waited.delete(id);
      if (this.waited.size === 0 && this.poll) (clearInterval(this.poll), (this.poll = null));
    };
    const stop = this.waiters.add(id, ms, (job) => (forget(), done(job)));
    return forget;
  }

  /** A `jobs_done` payload: the ids that ended. */
  heard(payload: string): void {
    if (this.waited.size === 0) return;
    for (const id of JSON.parse(payload) as string[]) if (this.waited.has(id)) this.due.add(id);
    this.soon();
  }

  /** Ids heard of and not read yet: read together, one read at a time. */
  private readonly due = new Set<string>();
  private reading = false;

  private soon(): void {
    if (this.reading || this.due.size === 0) return;
    this.reading = true;
    const ids = [...this.due];
    this.due.clear();
    void this.check(ids).finally(() => {
      this.reading = false;
      this.soon();
    });
  }

  private async check(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      for (const job of await this.read(ids)) if (isTerminal(job.state)) this.waiters.resolve(job);
    } catch (err) {
      this.log(`cluster: reading waited jobs from the shared journal failed (${(err as Error).message}); the poll tries again`);
    }
  }
}
