/**
 * One journal, two backends (SPEC §13): the operations the IO engine needs of its journal,
 * whether it is the embedded SQLite file (one host) or PostgreSQL (a cluster). Async, since
 * PostgreSQL is over a socket; the SQLite backend answers at once.
 *
 * Every method means the same on both: `insert` commits before it resolves (all or none),
 * and reads see every committed write. `ClusterJournal` adds what only a shared journal
 * needs: taking queued jobs for a node, the attempt fence, node leases and the rescue of a
 * dead node's jobs.
 */
import type { Log } from "../../protocol/worker-messages.ts";
import type { Job, JobState } from "../job.ts";
import type { JobLogLine } from "../job-logs.ts";
import type { Saved } from "../schedules/store.ts";
import type { ListFilter } from "../submission.ts";

/** A schedule's row (schedules/store.ts): what the scheduler reads at start and writes as it goes. */
export interface ScheduleBook {
  all(): Promise<Saved[]>;
  save(saved: Saved): Promise<void>;
  delete(name: string): Promise<void>;
}

/** The lines jobs printed (job-logs.ts), per attempt, bounded, purged with their job. */
export interface LogBook {
  add(log: Log): Promise<unknown>;
  of(jobId: string): Promise<{ attempt: number; lines: JobLogLine[] }[]>;
}

export interface JobJournal {
  readonly backend: "sqlite" | "postgres";
  readonly schedules: ScheduleBook;
  readonly logs: LogBook;
  /** Commits the jobs before resolving, all or none; a taken idempotency key rejects with IdempotencyConflictError. */
  insert(jobs: Job[]): Promise<void>;
  get(id: string): Promise<Job | null>;
  byIdempotencyKey(key: string): Promise<Job | null>;
  /** As GET /v1/jobs: state/task/schedule filters, ids after a cursor, in submission order or its reverse. */
  list(filter: ListFilter): Promise<Job[]>;
  counts(): Promise<Record<JobState, number>>;
  /** Deletes terminal jobs finished before `before` (epoch ms), their log lines with them; how many per state. */
  purge(before: number): Promise<Partial<Record<JobState, number>>>;
  savePoolTasks(pool: string, tasks: string[]): Promise<void>;
  poolTasks(): Promise<Map<string, string[]>>;
  close(): Promise<void>;
}

/** What a rescue does with one job of a dead node: a pure decision (see rescue-policy.ts). */
export type RescueOutcome =
  | { state: "queued"; not_before: number; error: Job["error"] }
  | { state: "failed"; error: Job["error"] };
export type RescueDecision = (job: Job, deadNode: string, now: number) => RescueOutcome;

export type NodeLease = { name: string; lease_until: number; renewed_at: number; info: unknown };

export interface ClusterJournal extends JobJournal {
  /** Takes up to `limit` queued jobs of `pools` whose not_before has passed, for `node`: now running, attempt counted. */
  claim(node: string, pools: readonly string[], limit: number, now?: number): Promise<Job[]>;
  /** Writes the job's new state only if its row is still this node's and this attempt's (the fence). */
  transition(job: Job, expectedAttempt: number, node: string): Promise<boolean>;
  renewLease(node: string, leaseS: number, info: unknown, now?: number): Promise<NodeLease>;
  lapsed(now: number): Promise<NodeLease[]>;
  /** The dead node's running jobs, each as `decide` says; the ids of those rescued. */
  rescue(deadNode: string, decide: RescueDecision, now?: number): Promise<string[]>;
  /** `cb` gets the pools of each committed insert, from any node. */
  listen(cb: (pools: string[]) => void): Promise<{ unlisten(): Promise<void> }>;
}

export class IdempotencyConflictError extends Error {
  constructor(readonly key: string | null) {
    super(`idempotency key ${key === null ? "(unknown)" : JSON.stringify(key)} is taken by another job`);
    this.name = "IdempotencyConflictError";
  }
}
