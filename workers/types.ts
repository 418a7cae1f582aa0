/**
 * What a task handler receives. Import the type in your task module:
 *
 * ```ts
 * import type { TaskContext } from "gaia/workers/types.ts"; // or declare what you use
 * export const tasks = {
 *   "math.add": (p: { a: number; b: number }) => p.a + p.b,
 *   "report.build": async (p: { rows: number }, ctx: TaskContext) => {
 *     for (let i = 0; i < p.rows; i++) if (i % 1000 === 0) ctx.progress(i / p.rows, `row ${i}`);
 *     return { rows: p.rows, attempt: ctx.attempt };
 *   },
 * };
 * ```
 */
export type TaskContext = {
  /** The job's id (a UUIDv7). */
  job_id: string;
  task: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /** Epoch milliseconds at which gaia kills this worker if the job is still running. */
  deadline: number;
  /** Milliseconds left before the deadline. */
  time_left(): number;
  /** Reports progress (0..1, clamped) and an optional message to the job's record. */
  progress(fraction: number, message?: string): void;
  /** Input arrays by name (none until array support lands). */
  arrays: Record<string, never>;
  /**
   * State kept on this worker for the job's `session_id`; a fresh object for jobs without
   * one. Later jobs of the same session on this worker see what earlier ones stored.
   */
  session: Record<string, unknown>;
  /** True when this session's state was lost (its worker died) and starts over empty. */
  session_reset: boolean;
};

export type TaskHandler = (payload: any, ctx: TaskContext) => unknown;
export type TaskTable = Record<string, TaskHandler>;
