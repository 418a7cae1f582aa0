/**
 * The job operations the API asks of the engine: admission, reads, long polls and cancels.
 * Bodies arrive already validated by the API's schemas; the rules that need the engine's
 * state (idempotency, input arrays, routing, queue depth, shutdown) are checked here, in
 * that order. A refusal is a value (`admit`) or a thrown Refusal (the rest).
 */
import { taskPolicy } from "../config/schema.ts";
import type { Engine } from "./dispatch/engine.ts";
import { routeTask } from "./dispatch/routing.ts";
import { isTerminal, jobView, type Job, type JobView } from "./job.ts";
import { notFound, Refusal } from "./refusal.ts";
import type { ListFilter, Submission } from "./submission.ts";
import { waitMany } from "./wait-many.ts";
import type { DryRun, JobList, WaitAnswer } from "../api/shapes/jobs.ts";

export type Admission = { ok: true; jobs: Job[] } | { ok: false; error: Refusal };
export type Prepared = { ok: true; jobs: Job[]; fresh: ReadonlySet<Job> } | { ok: false; error: Refusal };
/** Where admission looks: the queue depth a pool counts, and the job an idempotency key names (null: not here). */
export type Where = {
  depth(pool: string): number;
  byKey: ((key: string) => Job | null) | null;
  /** Another cluster node that holds these input arrays (its engine checks them), or null: this one does. */
  arraysAt?: (arrays: Record<string, string>) => string | null;
};

type Maybe<T> = T | Promise<T>;

/** What the API's job routes ask (src/api/jobs.ts): this engine's Ops, or a cluster node's (cluster/cluster-ops.ts). */
export interface JobOps {
  dryRun(body: Submission): Maybe<DryRun>;
  submit(body: Submission, waitMs: number): Promise<{ status: 200; job: JobView } | { status: 202; id: string; state: string }>;
  batch(bodies: Submission[]): Maybe<{ ids: string[] }>;
  waitMany(ids: string[], waitMs: number, all: boolean): Promise<WaitAnswer>;
  list(filter: ListFilter): Maybe<JobList>;
  get(id: string, waitMs: number): Promise<JobView>;
  cancel(id: string): Promise<{ status: 200 | 202; job: JobView }>;
}

/** How long a cancel of a running job waits for its worker's exit before answering 202. */
const CANCEL_WAIT_MS = 10_000;

export class Ops implements JobOps {
  constructor(
    private readonly engine: Engine,
    private readonly announced: () => Map<string, ReadonlySet<string>>,
  ) {}

  /** Builds, checks, journals and enqueues jobs; all of them or none. A schedule's jobs carry its name. */
  admit(bodies: Submission[], schedule: string | null = null): Admission {
    const prepared = this.prepare(bodies, schedule);
    if (!prepared.ok) return prepared;
    const fresh = prepared.jobs.filter((j) => prepared.fresh.has(j));
    this.engine.accept(fresh);
    for (const pool of new Set(fresh.map((j) => j.pool))) this.engine.dispatch(pool);
    return { ok: true, jobs: prepared.jobs };
  }

  /**
   * The jobs `bodies` make, checked, journaled nowhere yet: `fresh` the new ones, the rest
   * those an idempotency key already names. A cluster node (cluster/cluster-ops.ts) asks
   * with its own queue depths and leaves keys to the shared journal (`byKey` null).
   */
  prepare(bodies: Submission[], schedule: string | null, where: Where = this.local): Prepared {
    if (this.engine.draining) return { ok: false, error: new Refusal(503, "shutting_down", "gaia is shutting down and accepts no new jobs") };
    const poolOrder = this.engine.config.pools.map((p) => p.name);
    const announced = this.announced();
    const adding = new Map<string, number>();
    const fresh = new Set<Job>();
    const jobs: Job[] = [];
    for (const body of bodies) {
      const existing = body.idempotency_key ? this.findByKey(body.idempotency_key, fresh, where) : null;
      if (existing) {
        jobs.push(existing);
        continue;
      }
      const pool = this.check(body, poolOrder, announced, adding, where);
      if (pool instanceof Refusal) return { ok: false, error: pool };
      adding.set(pool, (adding.get(pool) ?? 0) + 1);
      const job = this.newJob(body, pool, schedule);
      fresh.add(job);
      jobs.push(job);
    }
    return { ok: true, jobs, fresh };
  }

  private readonly local: Where = {
    depth: (pool) => this.engine.pools.get(pool)!.waiting,
    byKey: (key) => this.engine.journal.byIdempotencyKey(key),
  };

  /** The pool a new job goes to, or why it is refused: its inputs, its task, its pool's depth. */
  private check(body: Submission, poolOrder: string[], announced: Map<string, ReadonlySet<string>>, adding: Map<string, number>, where: Where = this.local): string | Refusal {
    const arrays = body.arrays && !where.arraysAt?.(body.arrays) ? this.engine.arrays.checkInputs(body.arrays) : null;
    if (arrays) return new Refusal(arrays.status as 400, arrays.code, arrays.message);
    const route = routeTask(body.task, poolOrder, announced);
    if (route.kind === "unknown") return new Refusal(400, "unknown_task", route.message);
    if (route.kind === "not_ready") return new Refusal(503, "not_ready", route.message, 1);
    const depth = where.depth(route.pool) + (adding.get(route.pool) ?? 0) + 1;
    if (depth > this.engine.config.queue.max_depth) {
      return new Refusal(429, "queue_full", `pool '${route.pool}' has ${this.engine.config.queue.max_depth} queued jobs, its queue.max_depth`, 1);
    }
    return route.pool;
  }

  /**
   * `POST /v1/jobs?dry_run=true`: the same checks as a submission, and what would happen
   * now (pool, the worker and devices that would take it, or how many wait before it; its
   * timeout and retry policy), with nothing journaled and nothing changed.
   */
  dryRun(body: Submission): DryRun {
    if (this.engine.draining) throw new Refusal(503, "shutting_down", "gaia is shutting down and accepts no new jobs");
    const existing = body.idempotency_key ? this.engine.journal.byIdempotencyKey(body.idempotency_key) : null;
    if (existing) return { dry_run: true, existing: { id: existing.id, state: existing.state } };
    const pool = this.check(body, this.engine.config.pools.map((p) => p.name), this.announced(), new Map());
    if (pool instanceof Refusal) throw pool;
    const job = this.newJob(body, pool, null);
    const queue = this.engine.pools.get(pool)!;
    const placed = queue.depth === 0 ? this.engine.placeNow(job) : null;
    const worker = placed ? { id: placed.worker.id, pid: placed.worker.pid, gpus: [...placed.worker.gpus], now: !placed.ahead } : null;
    return {
      dry_run: true, task: job.task, pool, worker, queued_before: queue.waiting,
      timeout_s: job.timeout_s, retries: job.retries, max_attempts: job.max_attempts, arrays: job.arrays,
    };
  }

  private findByKey(key: string, fresh: ReadonlySet<Job>, where: Where): Job | null {
    const found = [...fresh].find((j) => j.idempotency_key === key) ?? where.byKey?.(key) ?? null;
    return found ? (this.engine.active.get(found.id) ?? found) : null;
  }

  private newJob(body: Submission, pool: string, schedule: string | null): Job {
    const policy = taskPolicy(this.engine.config, body.task);
    const retries = { ...policy.retries, ...body.retries };
    const now = Date.now();
    return {
      id: Bun.randomUUIDv7(), task: body.task, pool, state: "queued", payload: body.payload ?? null, arrays: body.arrays ?? {},
      result: null, result_arrays: {}, error: null, attempts: 0, max_attempts: retries.max + 1, priority: body.priority ?? 0,
      session_id: body.session_id ?? null, idempotency_key: body.idempotency_key ?? null,
      created_at: now, started_at: null, finished_at: null, not_before: notBefore(body, now), worker: null,
      execution_ms: null, usage: null, progress: null, timeout_s: body.timeout_s ?? policy.timeout_s, retries, schedule,
    };
  }

  /** 202 `{id, state}` once journaled, or 200 with the job when it ended within `waitMs`. */
  async submit(body: Submission, waitMs: number): Promise<{ status: 200; job: JobView } | { status: 202; id: string; state: string }> {
    const admitted = this.admit([body]);
    if (!admitted.ok) throw admitted.error;
    const job = admitted.jobs[0]!;
    if (waitMs > 0 && !isTerminal(job.state)) await this.waitFor(job, waitMs);
    // The state named in a 202 is committed first (it may already be `running`).
    this.engine.journal.flushJob(job.id);
    return isTerminal(job.state) ? { status: 200, job: jobView(job) } : { status: 202, id: job.id, state: job.state };
  }

  batch(bodies: Submission[]): { ids: string[] } {
    const admitted = this.admit(bodies);
    if (!admitted.ok) throw admitted.error;
    return { ids: admitted.jobs.map((j) => j.id) };
  }

  async get(id: string, waitMs: number): Promise<JobView> {
    const job = this.find(id);
    if (!job) throw notFound(`job '${id}'`);
    if (waitMs > 0 && !isTerminal(job.state)) return jobView((await this.waitFor(job, waitMs)) ?? job);
    return jobView(job);
  }

  list(filter: ListFilter): JobList {
    this.engine.journal.flush();
    const jobs = this.engine.journal.list(filter);
    return { jobs: jobs.map(jobView), next: jobs.length === filter.limit ? jobs[jobs.length - 1]!.id : null };
  }

  /**
   * 200 with the job when it ends `cancelled`; 409 when it was already terminal or ended
   * otherwise first (its result won the race); 202 while a killed worker's exit is awaited.
   */
  async cancel(id: string): Promise<{ status: 200 | 202; job: JobView }> {
    const job = this.find(id);
    if (!job) throw notFound(`job '${id}'`);
    if (isTerminal(job.state)) throw new Refusal(409, "already_terminal", `job ${job.id} is already ${job.state}`);
    if (this.engine.cancel(job) === "cancelled") {
      this.engine.journal.flushJob(job.id); // told only once it is on disk
      return { status: 200, job: jobView(job) };
    }
    const done = await this.waitFor(job, CANCEL_WAIT_MS);
    if (!done) return { status: 202, job: jobView(job) };
    if (done.state !== "cancelled") throw new Refusal(409, "already_terminal", `job ${job.id} ended ${done.state} before its cancel took effect`);
    return { status: 200, job: jobView(done) };
  }

  /** `POST /v1/jobs/wait` (wait-many.ts), on this engine's jobs and waits. */
  async waitMany(ids: string[], waitMs: number, all: boolean): Promise<WaitAnswer> {
    const found = new Map<string, Job>();
    for (const id of new Set(ids)) {
      const job = this.find(id);
      if (job) found.set(id, job);
    }
    return waitMany(found, ids, waitMs, all, (id, ms, done) => this.engine.ledger.waiters.add(id, ms, done));
  }

  /** Resolves with the job once its end is committed, or null after `ms`. */
  private waitFor(job: Job, ms: number): Promise<Job | null> {
    return new Promise((resolve) => void this.engine.ledger.waiters.add(job.id, ms, resolve));
  }

  /** The live job if it is queued or running, else the journal's; pending writes go first. */
  private find(id: string): Job | null {
    this.engine.journal.flushJob(id);
    return this.engine.active.get(id) ?? this.engine.journal.get(id);
  }
}

/** When a deferred submission may start (SPEC §5: `delay_s` or `not_before`); 0: at once. */
function notBefore(body: Submission, now: number): number {
  if (body.delay_s !== undefined && body.delay_s > 0) return now + body.delay_s * 1000;
  if (body.not_before !== undefined) {
    const at = Date.parse(body.not_before);
    return at > now ? at : 0;
  }
  return 0;
}
