/**
 * The operations the supervisor's API asks of the IO engine (`req` → `res`).
 *
 * Each answers with an HTTP status and a body, so the API stays a thin translation. Bodies
 * arrive already validated by the API's schemas; the rules that need the engine's state
 * (routing, queue depth, idempotency) are checked here.
 */
import { taskPolicy } from "../config/schema.ts";
import type { SubmitBody, ListQuery } from "../api/schemas.ts";
import type { Engine } from "./engine.ts";
import { isTerminal, jobView, type Job } from "./job.ts";
import { routeTask } from "./routing.ts";

export type Reply = (status: number, body: unknown) => void;
export type ApiError = { status: number; code: string; message: string; retryAfter?: number };

export const apiError = (e: ApiError) => ({ error: { code: e.code, message: e.message, ...(e.retryAfter ? { retry_after_s: e.retryAfter } : {}) } });

export class Ops {
  constructor(
    private readonly engine: Engine,
    private readonly announced: () => Map<string, ReadonlySet<string>>,
  ) {}

  /** Builds, checks, journals and enqueues jobs; all of them or none. A schedule's jobs carry its name. */
  admit(bodies: SubmitBody[], schedule: string | null = null): { ok: true; jobs: Job[] } | { ok: false; error: ApiError } {
    if (this.engine.draining) return { ok: false, error: { status: 503, code: "shutting_down", message: "gaia is shutting down and accepts no new jobs" } };
    const poolOrder = this.engine.config.pools.map((p) => p.name);
    const announced = this.announced();
    const adding = new Map<string, number>();
    const fresh: Job[] = [];
    const jobs: Job[] = [];
    for (const body of bodies) {
      const existing = body.idempotency_key ? this.findByKey(body.idempotency_key, fresh) : null;
      if (existing) {
        jobs.push(existing);
        continue;
      }
      const arrays = body.arrays ? this.engine.arrays.checkInputs(body.arrays) : null;
      if (arrays) return { ok: false, error: arrays };
      const route = routeTask(body.task, poolOrder, announced);
      if (route.kind === "unknown") return { ok: false, error: { status: 400, code: "unknown_task", message: route.message } };
      if (route.kind === "not_ready") return { ok: false, error: { status: 503, code: "not_ready", message: route.message, retryAfter: 1 } };
      const depth = this.engine.pools.get(route.pool)!.waiting + (adding.get(route.pool) ?? 0) + 1;
      if (depth > this.engine.config.queue.max_depth) {
        return { ok: false, error: { status: 429, code: "queue_full", message: `pool '${route.pool}' has ${this.engine.config.queue.max_depth} queued jobs, its queue.max_depth`, retryAfter: 1 } };
      }
      adding.set(route.pool, (adding.get(route.pool) ?? 0) + 1);
      const job = this.newJob(body, route.pool, schedule);
      fresh.push(job);
      jobs.push(job);
    }
    this.engine.accept(fresh);
    for (const pool of adding.keys()) this.engine.dispatch(pool);
    return { ok: true, jobs };
  }

  private findByKey(key: string, fresh: Job[]): Job | null {
    const found = fresh.find((j) => j.idempotency_key === key) ?? this.engine.journal.byIdempotencyKey(key);
    return found ? (this.engine.active.get(found.id) ?? found) : null;
  }

  private newJob(body: SubmitBody, pool: string, schedule: string | null): Job {
    const policy = taskPolicy(this.engine.config, body.task);
    const retries = { ...policy.retries, ...body.retries };
    return {
      id: Bun.randomUUIDv7(),
      task: body.task,
      pool,
      state: "queued",
      payload: body.payload ?? null,
      arrays: body.arrays ?? {},
      result: null,
      result_arrays: {},
      error: null,
      attempts: 0,
      max_attempts: retries.max + 1,
      session_id: body.session_id ?? null,
      idempotency_key: body.idempotency_key ?? null,
      created_at: Date.now(),
      started_at: null,
      finished_at: null,
      not_before: 0,
      worker: null,
      execution_ms: null,
      usage: null,
      progress: null,
      timeout_s: body.timeout_s ?? policy.timeout_s,
      retries,
      schedule,
    };
  }

  submit(args: { body: SubmitBody; wait_ms: number }, reply: Reply): void {
    const admitted = this.admit([args.body]);
    if (!admitted.ok) return reply(admitted.error.status, apiError(admitted.error));
    const job = admitted.jobs[0]!;
    // The state named in a 202 is committed first (it may already be `running`).
    if (args.wait_ms <= 0 || isTerminal(job.state)) {
      this.engine.journal.flushJob(job.id);
      return isTerminal(job.state) ? reply(200, jobView(job)) : reply(202, { id: job.id, state: job.state });
    }
    this.engine.ledger.waiters.add(job.id, args.wait_ms, (done) => {
      if (done) return reply(200, jobView(done));
      this.engine.journal.flushJob(job.id);
      reply(202, { id: job.id, state: job.state });
    });
  }

  batch(args: { jobs: SubmitBody[] }, reply: Reply): void {
    const admitted = this.admit(args.jobs);
    if (!admitted.ok) return reply(admitted.error.status, apiError(admitted.error));
    reply(202, { ids: admitted.jobs.map((j) => j.id) });
  }

  get(args: { id: string; wait_ms: number }, reply: Reply): void {
    const job = this.find(args.id);
    if (!job) return reply(404, apiError({ status: 404, code: "not_found", message: `no job '${args.id}'` }));
    if (args.wait_ms <= 0 || isTerminal(job.state)) return reply(200, jobView(job));
    this.engine.ledger.waiters.add(job.id, args.wait_ms, (done) => reply(200, jobView(done ?? job)));
  }

  list(args: ListQuery, reply: Reply): void {
    this.engine.journal.flush();
    const jobs = this.engine.journal.list(args);
    const next = jobs.length === args.limit ? jobs[jobs.length - 1]!.id : null;
    reply(200, { jobs: jobs.map(jobView), next });
  }

  cancel(args: { id: string }, reply: Reply): void {
    const job = this.find(args.id);
    if (!job) return reply(404, apiError({ status: 404, code: "not_found", message: `no job '${args.id}'` }));
    if (isTerminal(job.state)) return reply(409, apiError({ status: 409, code: "already_terminal", message: `job ${job.id} is already ${job.state}` }));
    const outcome = this.engine.cancel(job);
    if (outcome === "cancelled") {
      this.engine.journal.flushJob(job.id); // told only once it is on disk
      return reply(200, jobView(job));
    }
    // A running job ends when its killed worker's exit is reported: answer then.
    this.engine.ledger.waiters.add(job.id, 10_000, (done) => reply(done ? 200 : 202, jobView(done ?? job)));
  }

  /** The live job if it is queued or running, else the journal's; pending writes go first. */
  private find(id: string): Job | null {
    this.engine.journal.flushJob(id);
    return this.engine.active.get(id) ?? this.engine.journal.get(id);
  }
}
