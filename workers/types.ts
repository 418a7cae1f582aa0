import type { Dtype } from "../src/arrays/dtypes.ts";
import type { AnyTypedArray } from "./arrays.ts";

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
/** A GPU this worker holds: NVML's index (as nvidia-smi numbers it), its UUID and its name. */
export type GpuInfo = { readonly index: number; readonly uuid: string; readonly name: string };

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
  /**
   * The job's input arrays by the names the job gave them: TypedArrays over the shared files
   * (no copy). Writes to an input stay in this worker (the file is mapped copy-on-write).
   * `bool` and `uint8` are Uint8Array, `int64`/`uint64` BigInt64Array/BigUint64Array,
   * `float16` Float16Array.
   */
  arrays: Record<string, AnyTypedArray>;
  /** Each input's shape (C order); a TypedArray is flat. */
  shapes: Record<string, number[]>;
  /** Each input's dtype (numpy's names). */
  dtypes: Record<string, Dtype>;
  /**
   * A new result array: a zeroed, writable TypedArray over a new shared file that becomes the
   * job's `result_arrays[name]` when the job succeeds (and is removed when it fails).
   *
   * ```ts
   * const out = ctx.output("image", ctx.shapes.image, "uint8") as Uint8Array;
   * ```
   */
  output(name: string, shape: number[], dtype: Dtype): AnyTypedArray;
  /**
   * State kept on this worker for the job's `session_id`; a fresh object for jobs without
   * one. Later jobs of the same session on this worker see what earlier ones stored.
   */
  session: Record<string, unknown>;
  /** True when this session's state was lost (its worker died) and starts over empty. */
  session_reset: boolean;
  /**
   * The GPUs this worker holds (the pool's `gpus`), the same for every job it runs; empty
   * without GPUs. CUDA in this process sees only these, by UUID and in this order, so
   * `ctx.gpus[i]` is CUDA device i.
   *
   * ```ts
   * if (ctx.gpus.length === 0) throw new Error("this task needs a pool with gpus");
   * console.log(`running on gpu ${ctx.gpus[0]!.index} (${ctx.gpus[0]!.name})`);
   * ```
   */
  gpus: readonly GpuInfo[];
};

export type TaskHandler = (payload: any, ctx: TaskContext) => unknown;
export type TaskTable = Record<string, TaskHandler>;
