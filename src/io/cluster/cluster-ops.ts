/**
 * The API's job operations at a node of a cluster (SPEC §13): any job, at any node.
 *
 * Admission makes the jobs with the same checks as one host (Ops.prepare) and commits them
 * to the shared journal, queued and no node's; the claimers of every node (this one woken
 * first) take them from there. Idempotency keys are the shared journal's: a key another
 * node's job holds answers with that job. Reads, waits and cancels look at this node's
 * engine for a job it holds (its state there is the freshest) and at the shared journal
 * for every other, after this node's own pending writes of it (mirror.ts) are in.
 *
 * `queue.max_depth` counts the cluster's queued jobs of the pool, as last counted (every
 * second), plus this node's.
 */
import type { DryRun, JobList, WaitAnswer } from "../../api/shapes/jobs.ts";
import type { Engine } from "../dispatch/engine.ts";
import { isTerminal, jobView, type Job, type JobView } from "../job.ts";
import type { Admission, JobOps, Ops } from "../ops.ts";
import { notFound, Refusal } from "../refusal.ts";
import type { ListFilter, Submission } from "../submission.ts";
import type { PgJournal } from "../journal/pg-journal.ts";
import type { Mirror } from "./mirror.ts";
import { askCancel, insertQueued, jobsByIds } from "./pg-batch.ts";
import type { RemoteWaiters } from "./remote-waiters.ts";
import { waitMany } from "../wait-many.ts";

const CANCEL_WAIT_MS = 10_000;

export type ClusterOpsDeps = {
  node: string;
  local: Ops;
  engine: Engine;
  journal: PgJournal;
  mirror: Mirror;
  remote: RemoteWaiters;
  /** The cluster's queued jobs per pool, as last counted. */
  depths(): ReadonlyMap<string, number>;
  /** New jobs are in the shared queue: take some. */
  submitted(): void;
  /** The other node whose shared memory holds these arrays, or null (they are here, or nowhere). */
  arraysAt(arrays: Record<string, string>): string | null;
  log(line: string): void;
};

/** A database failure as the API's error: 503, try again. */
function unavailable(err: unknown): Refusal {
  if (err instanceof Refusal) return err;
  return new Refusal(503, "cluster_unavailable", `the cluster's journal cannot be reached: ${(err as Error).message}`, 1);
}

async function shared<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw unavailable(err);
  }
}

export class ClusterOps implements JobOps {
  constructor(private readonly deps: ClusterOpsDeps) {}

  private prepare(bodies: Submission[], schedule: string | null) {
    const { engine, local } = this.deps;
    const depth = (pool: string) => (this.deps.depths().get(pool) ?? 0) + (engine.pools.get(pool)?.waiting ?? 0);
    return local.prepare(bodies, schedule, { depth, byKey: null, arraysAt: this.deps.arraysAt });
  }

  /** Commits the fresh jobs; those whose key another job holds are answered with that job. */
  private async commit(jobs: Job[], fresh: ReadonlySet<Job>): Promise<Job[]> {
    const { journal, node } = this.deps;
    const mine = jobs.filter((j) => fresh.has(j));
    // A job that names arrays runs on the node that holds them (SPEC §13): pinned there.
    const pin = (job: Job) => this.deps.arraysAt(job.arrays) ?? node;
    const inserted = await insertQueued(journal.sql, mine, pin);
    if (inserted.size > 0) this.deps.submitted();
    const holders = new Map<string, Job>();
    for (const job of mine) {
      if (inserted.has(job.id) || !job.idempotency_key || holders.has(job.idempotency_key)) continue;
      const holder = await journal.byIdempotencyKey(job.idempotency_key);
      if (holder) holders.set(job.idempotency_key, holder);
    }
    return jobs.map((j) => (fresh.has(j) && !inserted.has(j.id) && j.idempotency_key ? (holders.get(j.idempotency_key) ?? j) : j));
  }

  private async admit(bodies: Submission[]): Promise<Job[]> {
    const prepared = this.prepare(bodies, null);
    if (!prepared.ok) throw prepared.error;
    return await shared(() => this.commit(prepared.jobs, prepared.fresh));
  }

  /**
   * A schedule's run (the scheduler asks synchronously): made now, committed in the
   * background. Its key is the schedule and due time, so that of the nodes whose schedulers
   * all fire it, one job is made; the others' commits find the key taken and make none.
   */
  admitScheduled(body: Submission, schedule: string, due: number | null): Admission {
    const keyed = due === null ? body : { ...body, idempotency_key: `schedule:${schedule}:${due}` };
    const prepared = this.prepare([keyed], schedule);
    if (!prepared.ok) return prepared;
    this.commit(prepared.jobs, prepared.fresh).catch((err) =>
      this.deps.log(`cluster: schedule ${schedule}'s run could not be journaled (${(err as Error).message}); it is skipped`),
    );
    return { ok: true, jobs: prepared.jobs };
  }

  dryRun(body: Submission): DryRun {
    return this.deps.local.dryRun(body);
  }

  async submit(body: Submission, waitMs: number): Promise<{ status: 200; job: JobView } | { status: 202; id: string; state: string }> {
    const [job] = await this.admit([body]);
    let now = job!;
    if (waitMs > 0 && !isTerminal(now.state)) now = (await this.waitFor(now.id, waitMs)) ?? (await this.find(now.id)) ?? now;
    return isTerminal(now.state) ? { status: 200, job: jobView(now) } : { status: 202, id: now.id, state: now.state };
  }

  async batch(bodies: Submission[]): Promise<{ ids: string[] }> {
    return { ids: (await this.admit(bodies)).map((j) => j.id) };
  }

  async get(id: string, waitMs: number): Promise<JobView> {
    const job = await this.find(id);
    if (!job) throw notFound(`job '${id}'`);
    if (waitMs > 0 && !isTerminal(job.state)) return jobView((await this.waitFor(id, waitMs)) ?? (await this.find(id)) ?? job);
    return jobView(job);
  }

  async list(filter: ListFilter): Promise<JobList> {
    await this.deps.mirror.written();
    const jobs = await shared(() => this.deps.journal.list(filter));
    return { jobs: jobs.map(jobView), next: jobs.length === filter.limit ? jobs[jobs.length - 1]!.id : null };
  }

  /** As Ops.cancel, for a job held here, queued for anyone, or held by another node (asked there, within a second). */
  async cancel(id: string): Promise<{ status: 200 | 202; job: JobView }> {
    if (this.deps.engine.active.has(id)) return this.deps.local.cancel(id);
    await this.deps.mirror.written(id);
    const asked = await shared(() => askCancel(this.deps.journal.sql, id, Date.now()));
    if (asked.kind === "unknown") throw notFound(`job '${id}'`);
    if (asked.kind === "terminal") {
      if (isTerminal(asked.job.state)) throw new Refusal(409, "already_terminal", `job ${id} is already ${asked.job.state}`);
      return this.cancel(id); // it moved between two reads: ask again
    }
    if (asked.kind === "cancelled") return { status: 200, job: jobView(asked.job) };
    const done = await this.waitFor(id, CANCEL_WAIT_MS);
    if (!done) return { status: 202, job: jobView((await this.find(id))!) };
    if (done.state !== "cancelled") throw new Refusal(409, "already_terminal", `job ${id} ended ${done.state} before its cancel took effect`);
    return { status: 200, job: jobView(done) };
  }

  /** `POST /v1/jobs/wait` (wait-many.ts), each job waited for here and on the shared journal. */
  async waitMany(ids: string[], waitMs: number, all: boolean): Promise<WaitAnswer> {
    return waitMany(await this.findMany([...new Set(ids)]), ids, waitMs, all, (id, ms, done) => this.waitAny(id, ms, done));
  }

  /** Resolves with the job once it ended, here or on any node, or null after `ms`. */
  private waitFor(id: string, ms: number): Promise<Job | null> {
    return new Promise((resolve) => void this.waitAny(id, ms, resolve));
  }

  /**
   * One wait on both: this node's engine ends it, or the shared journal says another node
   * did. An end here is told once the shared journal has it too, so that whoever is told
   * reads the same at every node.
   */
  private waitAny(id: string, ms: number, done: (job: Job | null) => void): () => void {
    let over = false;
    const finish = (job: Job | null) => {
      if (over) return;
      over = true;
      stopLocal();
      stopRemote();
      if (job) void this.deps.mirror.written(job.id).then(() => done(job));
      else done(job);
    };
    const stopLocal = this.deps.engine.ledger.waiters.add(id, ms, finish);
    const stopRemote = this.deps.remote.add(id, ms, finish);
    return () => finish(null);
  }

  /** The job held here, else the shared journal's (after this node's pending write of it). */
  private async find(id: string): Promise<Job | null> {
    const live = this.deps.engine.active.get(id);
    if (live) return live;
    await this.deps.mirror.written(id);
    return await shared(() => this.deps.journal.get(id));
  }

  private async findMany(ids: string[]): Promise<Map<string, Job>> {
    const found = new Map<string, Job>();
    const elsewhere: string[] = [];
    for (const id of ids) {
      const live = this.deps.engine.active.get(id);
      if (live) found.set(id, live);
      else elsewhere.push(id);
    }
    if (elsewhere.length > 0) {
      await this.deps.mirror.written();
      for (const job of await shared(() => jobsByIds(this.deps.journal.sql, elsewhere))) found.set(job.id, job);
    }
    return found;
  }
}
