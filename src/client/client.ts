/**
 * `GaiaClient`: gaia's control API from TypeScript, in Bun or Node (SPEC §14).
 *
 * ```ts
 * import { GaiaClient } from "gaia/src/client/index.ts";
 * const gaia = new GaiaClient();                      // GAIA_SOCKET, GAIA_URL + GAIA_TOKEN, or ./.gaia/run/gaia.sock
 * const sum = await gaia.call("math.add", { a: 1, b: 2 }, { timeoutS: 10 }); // 3
 * const { id } = await gaia.submit("report.build", { rows: 1e5 }, { priority: 5 });
 * const job = await gaia.wait(id, { timeoutS: 600 }); // the job, once it ended
 * ```
 *
 * Every method answers the API's body as it is (typed in types.ts), or throws a
 * `GaiaApiError` (gaia said no: status, code, message) or a `GaiaUnreachableError` (nothing
 * answered). Requests that wait on purpose (`wait`, `?wait=S`) have no client-side limit
 * beyond the one they ask for; `timeoutMs` in the options bounds the others.
 */
import { ArraysApi } from "./arrays.ts";
import { resolveEndpoint, type Endpoint, type EndpointOptions } from "./endpoint.ts";
import { EventSubscription, type SubscribeOptions } from "./events.ts";
import { SchedulesApi } from "./schedules.ts";
import { SessionsApi } from "./sessions.ts";
import { segment, Transport, withQuery, type Answer, type RequestOptions, type TlsOptions } from "./transport.ts";
import {
  TERMINAL_STATES, type Accepted, type BatchAccepted, type DryRun, type GaiaEvent, type Gpus, type Health, type Job,
  type JobList, type JobLogs, type JobsQuery, type LogPage, type Nodes, type PoolRestart, type ProcessLogs, type Ready,
  type ShutdownAnswer, type Status, type SubmitRequest, type Submitted, type Worker, type WorkerRestart,
} from "./types.ts";

export type ClientOptions = EndpointOptions & {
  /** For https with a private CA (gaia's own certificate): its PEM, or `rejectUnauthorized: false`. */
  tls?: TlsOptions;
  /** A bound on requests that do not wait on purpose; none by default. */
  timeoutMs?: number;
};

export type SubmitOptions = Omit<SubmitRequest, "task" | "payload">;

/** One long poll asks the server to wait at most this long: it adds 30 s of grace of its own. */
const MAX_POLL_S = 30;

/** A job that did not succeed, from `call`. */
export class GaiaJobError extends Error {
  override name = "GaiaJobError";
  constructor(readonly job: Job | Accepted, message: string) {
    super(message);
  }
}

/** Whether a job (or `{id, state}`) has ended. */
export function isTerminal(job: { state: string }): boolean {
  return (TERMINAL_STATES as readonly string[]).includes(job.state);
}

export class GaiaClient {
  readonly endpoint: Endpoint;
  /** The endpoint as text: the socket path or the URL. */
  readonly where: string;
  readonly arrays: ArraysApi;
  readonly schedules: SchedulesApi;
  readonly sessions: SessionsApi;
  private readonly transport: Transport;
  private readonly timeoutMs: number | undefined;

  constructor(options: ClientOptions = {}) {
    this.endpoint = resolveEndpoint(options);
    this.transport = new Transport(this.endpoint, options.tls);
    this.where = this.transport.where;
    this.timeoutMs = options.timeoutMs;
    this.arrays = new ArraysApi(this.transport);
    this.schedules = new SchedulesApi(this.transport);
    this.sessions = new SessionsApi(this.transport);
  }

  /** Any route: the 2xx body, else its GaiaApiError. */
  request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return this.transport.call<T>(method, path, { timeoutMs: this.timeoutMs, ...options });
  }

  /** Any route, error statuses included (no throw for them). */
  send(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    return this.transport.send(method, path, { timeoutMs: this.timeoutMs, ...options });
  }

  health(options: { timeoutMs?: number } = {}): Promise<Health> {
    return this.request("GET", "/health", options);
  }
  /** `{ready: true}`, or a GaiaApiError 503 whose `body.reasons` says what is missing. */
  ready(): Promise<Ready> {
    return this.request("GET", "/ready");
  }
  status(): Promise<Status> {
    return this.request("GET", "/v1/status");
  }
  workers(): Promise<{ workers: Worker[] }> {
    return this.request("GET", "/v1/workers");
  }
  /** A planned replacement of one worker (not counted as a crash). */
  restartWorker(id: string): Promise<WorkerRestart> {
    return this.request("POST", `/v1/workers/${segment(id)}/restart`);
  }
  /** Every worker of the pool, one at a time, each new one ready before the next goes. */
  restartPool(name: string): Promise<PoolRestart> {
    return this.request("POST", `/v1/pools/${segment(name)}/restart`);
  }
  workerLogs(id: string, tail?: number): Promise<ProcessLogs> {
    return this.request("GET", withQuery(`/v1/workers/${segment(id)}/logs`, { tail }));
  }
  /** Every process's lines: the newest `tail`, or with `after` the oldest after that seq. */
  logs(query: { tail?: number; after?: number } = {}): Promise<LogPage> {
    return this.request("GET", withQuery("/v1/logs", query));
  }
  gpus(): Promise<Gpus> {
    return this.request("GET", "/v1/gpus");
  }
  /** The cluster's nodes; a GaiaApiError 404 `not_clustered` where gaia is one host. */
  nodes(): Promise<Nodes> {
    return this.request("GET", "/v1/nodes");
  }
  /** The Prometheus text. */
  metrics(): Promise<string> {
    return this.request("GET", "/metrics", { headers: { accept: "text/plain" } });
  }
  shutdown(): Promise<ShutdownAnswer> {
    return this.request("POST", "/v1/shutdown");
  }

  /**
   * Submits a job: 202 `{id, state}` once it is journaled. With `wait: S` the answer is the
   * finished job if it ends within S seconds, else still `{id, state}`.
   */
  submit(task: string, payload?: unknown, options: SubmitOptions & { wait?: number } = {}): Promise<Submitted> {
    const { wait, ...fields } = options;
    return this.transport.call("POST", withQuery("/v1/jobs", { wait }), { json: { task, payload, ...fields } });
  }
  /** What would happen to this job now (pool, worker, timeout, retries); nothing is journaled. */
  dryRun(task: string, payload?: unknown, options: SubmitOptions = {}): Promise<DryRun> {
    return this.request("POST", "/v1/jobs?dry_run=true", { json: { task, payload, ...options } });
  }
  /** Up to 10,000 jobs, all or none. */
  submitBatch(jobs: SubmitRequest[]): Promise<BatchAccepted> {
    return this.request("POST", "/v1/jobs/batch", { json: { jobs } });
  }
  /** One job; with `wait: S`, once it is terminal or S seconds passed. */
  job(id: string, options: { wait?: number } = {}): Promise<Job> {
    const timeoutMs = options.wait === undefined ? this.timeoutMs : undefined;
    return this.transport.call("GET", withQuery(`/v1/jobs/${segment(id)}`, { wait: options.wait }), { timeoutMs });
  }
  /** Long polls until the job is terminal or `timeoutS` (default: no limit) has passed; gives the job as last seen. */
  async wait(id: string, options: { timeoutS?: number } = {}): Promise<Job> {
    const deadline = options.timeoutS === undefined ? Infinity : Date.now() + options.timeoutS * 1000;
    for (;;) {
      const left = (deadline - Date.now()) / 1000;
      const job = await this.job(id, { wait: Math.max(0, Math.min(MAX_POLL_S, Math.ceil(left))) });
      if (isTerminal(job) || left <= 0) return job;
    }
  }
  /** Submits and waits: the job's result, or a GaiaJobError when it did not succeed in time. */
  async call<T = unknown>(task: string, payload?: unknown, options: SubmitOptions & { timeoutS?: number } = {}): Promise<T> {
    const { timeoutS, ...fields } = options;
    const deadline = timeoutS === undefined ? Infinity : Date.now() + timeoutS * 1000;
    const first = await this.submit(task, payload, { ...fields, wait: Math.min(MAX_POLL_S, timeoutS ?? MAX_POLL_S) });
    const job = isTerminal(first) ? (first as Job) : await this.wait(first.id, { timeoutS: deadline === Infinity ? undefined : Math.max(0, (deadline - Date.now()) / 1000) });
    if (job.state === "succeeded") return job.result as T;
    if (!isTerminal(job)) throw new GaiaJobError(job, `job ${job.id} is still ${job.state} after ${timeoutS} s`);
    const why = job.error ? `: ${job.error.type}: ${job.error.message}` : "";
    throw new GaiaJobError(job, `job ${job.id} ${job.state}${why}`);
  }
  /** A page of jobs; `next` is the `after` of the page that follows. */
  jobs(query: JobsQuery = {}): Promise<JobList> {
    return this.request("GET", withQuery("/v1/jobs", query));
  }
  /** Every job the query matches, page after page. */
  async *allJobs(query: Omit<JobsQuery, "after"> = {}): AsyncGenerator<Job> {
    let after: string | undefined;
    do {
      const page = await this.jobs({ ...query, after });
      yield* page.jobs;
      after = page.next ?? undefined;
    } while (after !== undefined);
  }
  /** Cancels a job: the job as it ended (409 when it had ended already). */
  cancel(id: string): Promise<Job> {
    return this.request("DELETE", `/v1/jobs/${segment(id)}`);
  }
  /** The lines the job printed, per attempt. */
  jobLogs(id: string): Promise<JobLogs> {
    return this.request("GET", `/v1/jobs/${segment(id)}/logs`);
  }

  /** Events as they come, subscribed once this resolves: `for await (const e of sub) ...`, `sub.close()`. */
  subscribe(options: SubscribeOptions = {}): Promise<EventSubscription> {
    return EventSubscription.open(this.transport, options);
  }
  /** Events as they come; the stream opens at the first iteration. */
  async *events(options: SubscribeOptions = {}): AsyncGenerator<GaiaEvent> {
    const subscription = await this.subscribe(options);
    try {
      yield* subscription;
    } finally {
      subscription.close();
    }
  }

  /** Closes kept connections (the client still works afterwards: it reconnects). */
  close(): void {
    this.transport.close();
  }
}
