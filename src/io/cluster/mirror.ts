/**
 * A node's writes of its jobs' states to the shared journal (SPEC §13), batched and fenced.
 *
 * The engine records each state change in its own journal first (the node's working copy,
 * see node.ts); the mirror then writes the job's latest state to PostgreSQL. Writes are
 * coalesced per job and sent as one statement per batch (pg-batch.ts), within LAZY_MS, or
 * at once for a write someone waits on. Each names the attempt this node claimed: a row
 * taken back (this node's lease lapsed and another node rescued the job) is not written,
 * and `fenced` hears of it.
 *
 * A write that fails (the database restarted, the link is down) is kept and tried again
 * after RETRY_MS; a newer state of the same job replaces it. Nothing is dropped until the
 * database has it or has refused it by the fence.
 */
import type { SQL } from "bun";
import type { Job } from "../job.ts";
import { type FencedWrite, writeFenced } from "./pg-batch.ts";

const LAZY_MS = 5;
const RETRY_MS = 500;
/** Jobs per statement: the JSON parameter stays a few MB. */
const BATCH_MAX = 2000;

type Plan = { kind: "none" } | { kind: "soon" } | { kind: "later"; timer: ReturnType<typeof setTimeout> };

export class Mirror {
  private pending = new Map<string, FencedWrite>();
  private plan: Plan = { kind: "none" };
  private writing: Promise<void> | null = null;
  /** Resolved when the writes pending at the time of asking are in the database (or fenced off). */
  private waiters: { ids: Set<string> | null; resolve: () => void }[] = [];
  /** The last write's failure, for /ready; null once a write went through. */
  failure: string | null = null;

  constructor(
    private readonly sql: SQL,
    private readonly node: string,
    private readonly fenced: (job: Job) => void,
    private readonly log: (line: string) => void,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** The job's current state is to be written, fenced by the attempt this node claimed. */
  write(job: Job, expected: number, urgent: boolean): void {
    this.pending.set(job.id, { job, expected });
    this.schedule(urgent ? 0 : LAZY_MS);
  }

  /** Resolves once what is pending for `id` (or everything, without an id) is written. */
  written(id?: string): Promise<void> {
    if (id !== undefined ? !this.pending.has(id) : this.pending.size === 0) return this.writing ?? Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ ids: id !== undefined ? new Set([id]) : new Set(this.pending.keys()), resolve });
      this.schedule(0);
    });
  }

  private schedule(ms: number): void {
    if (this.writing) return; // the write in flight plans the next one when it ends
    if (ms === 0) {
      if (this.plan.kind === "later") clearTimeout(this.plan.timer);
      if (this.plan.kind !== "soon") {
        this.plan = { kind: "soon" };
        setImmediate(() => this.flush());
      }
    } else if (this.plan.kind === "none") {
      this.plan = { kind: "later", timer: setTimeout(() => this.flush(), ms) };
    }
  }

  private flush(): void {
    if (this.plan.kind === "later") clearTimeout(this.plan.timer);
    this.plan = { kind: "none" };
    if (this.writing || this.pending.size === 0) return this.settleWaiters();
    const batch = [...this.pending.values()].slice(0, BATCH_MAX);
    for (const w of batch) this.pending.delete(w.job.id);
    // Snapshots: the job objects live on in the engine and may change while the batch is out.
    const rows = batch.map(({ job, expected }) => ({ job: { ...job }, expected }));
    this.writing = this.send(rows).then(
      (written) => {
        if (this.failure) this.log(`cluster: writes to the shared journal go through again`);
        this.failure = null;
        for (const w of batch) if (!written.has(w.job.id)) this.fenced(w.job);
      },
      (err) => {
        const message = (err as Error).message;
        if (this.failure !== message) this.log(`cluster: writing ${batch.length} job states to the shared journal failed (${message}); trying again every ${RETRY_MS} ms`);
        this.failure = message;
        // Back, unless a newer state of the same job came meanwhile.
        for (const w of batch) if (!this.pending.has(w.job.id)) this.pending.set(w.job.id, w);
      },
    );
    void this.writing.then(() => {
      this.writing = null;
      // A failed write answers its waiters too: they read the database next, and say it is down.
      this.settleWaiters(this.failure !== null);
      if (this.pending.size === 0) return;
      if (this.failure) setTimeout(() => this.schedule(0), RETRY_MS);
      else this.schedule(this.waiters.length > 0 ? 0 : LAZY_MS);
    });
  }

  /**
   * One statement for the batch. Should the database refuse its data (SQLSTATE class 22 or
   * 23: a value it will not take), each row is written alone, and a row it refuses alone is
   * dropped with a log line: one bad row must not hold every other write back for ever.
   */
  private async send(rows: FencedWrite[]): Promise<Set<string>> {
    try {
      return await writeFenced(this.sql, this.node, rows);
    } catch (err) {
      if (!isDataError(err)) throw err;
      const written = new Set<string>();
      for (const row of rows) {
        try {
          for (const id of await writeFenced(this.sql, this.node, [row])) written.add(id);
        } catch (alone) {
          if (!isDataError(alone)) throw alone;
          this.log(`cluster: the shared journal refused job ${row.job.id}'s ${row.job.state} state (${(alone as Error).message}); it is not written`);
          written.add(row.job.id); // not fenced: refused, and told above
        }
      }
      return written;
    }
  }

  private settleWaiters(all = false): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      const done = all || (w.ids === null ? this.pending.size === 0 : [...w.ids].every((id) => !this.pending.has(id)));
      if (done && !this.writing) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}

/** A PostgreSQL error about the data sent (22: data exception, 23: integrity), not the connection. */
function isDataError(err: unknown): boolean {
  const code = (err as { errno?: unknown }).errno;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}
