/**
 * Shutdown's part in the IO engine (SPEC §1): dispatch stops at once, jobs sent ahead go back
 * to the queue (`drain` tells those workers to drop them), and running jobs get the grace.
 * At the deadline, the jobs still running go back to `queued` without counting their attempt
 * and run at the next start; the journal is flushed, and the answer lists them. A second
 * drain (a second signal) moves the deadline to now and shares the first one's answer.
 */
import type { Engine } from "./engine.ts";
import type { Roster } from "./roster.ts";
import { aheadOf, currentJob, setState } from "./worker.ts";

const POLL_MS = 20;

/** Whether the drain is over (pure): nothing runs, or the deadline has come. */
export function drainOver(running: number, now: number, deadline: number): boolean {
  return running === 0 || now >= deadline;
}

export class Drain {
  private deadline = Infinity;
  private answer: Promise<string[]> | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly roster: Roster,
  ) {}

  begin(graceMs: number): Promise<string[]> {
    this.deadline = Math.min(this.deadline, Date.now() + graceMs);
    if (this.answer) return this.answer;
    this.engine.phase = { kind: "draining" };
    for (const worker of this.roster.workers.values()) {
      if (aheadOf(worker).length === 0) continue;
      this.engine.returnAhead(worker);
      worker.conn.send({ t: "drain" });
    }
    this.answer = new Promise((resolve) => {
      const check = () => {
        if (!drainOver(this.engine.runningCount, Date.now(), this.deadline)) return void setTimeout(check, POLL_MS);
        resolve(this.requeueRunning());
      };
      check();
    });
    return this.answer;
  }

  /** What still runs goes back, once; its worker is stopped by the supervisor next. */
  private requeueRunning(): string[] {
    for (const worker of this.roster.workers.values()) {
      if (currentJob(worker)) setState(worker, { kind: "stopping", why: "shutdown", job: null }, this.engine.pools.get(worker.pool));
    }
    const requeued: string[] = [];
    for (const job of this.engine.active.values()) {
      if (job.state === "running") (this.engine.requeue(job), requeued.push(job.id));
    }
    this.engine.journal.flush();
    return requeued;
  }
}
