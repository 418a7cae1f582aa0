/**
 * The types a task module uses (SPEC §4): `TaskContext`, `Task`, `TaskTable`. This file stands
 * alone (no imports, no runtime code), so a task module anywhere on disk can import it by
 * path and be checked by `tsc` without Bun's types or this repository's settings:
 *
 * ```ts
 * // tasks/math.ts, outside the repository
 * import type { TaskContext, TaskTable } from "/opt/gaia/src/client/task-types.ts";
 *
 * export const tasks = {
 *   "math.add": (p: { a: number; b: number }) => p.a + p.b,
 *   "img.invert": (_p: unknown, ctx) => {                      // ctx is a TaskContext here
 *     const src = ctx.arrays.image as Uint8Array;              // a view on shared memory
 *     const out = ctx.output("image", ctx.shapes.image!, "uint8") as Uint8Array;
 *     for (let i = 0; i < src.length; i++) out[i] = 255 - src[i]!;
 *   },
 * } satisfies TaskTable;
 * ```
 *
 * `import type` is erased when the worker loads the module, so the module needs nothing of
 * gaia's at run time. A test helper that runs a handler with a real context in your test's
 * own process is `runTask` in workers/testing.ts (under `bun test`).
 */

/** numpy's dtype names (SPEC §6), little-endian, C order. */
export type Dtype =
  | "bool" | "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32"
  | "int64" | "uint64" | "float16" | "float32" | "float64";

/**
 * float16 arrays are Float16Array where the runtime and the TypeScript lib have it (Bun
 * does), else the raw bits as a Uint16Array: decided by what the checking lib declares, so
 * this file compiles under any `lib`.
 */
type Float16View = typeof globalThis extends { Float16Array: { prototype: infer P } } ? P : Uint16Array;

/** An array view as a task sees it: `bool` and `uint8` are Uint8Array, `int64` BigInt64Array, ... */
export type AnyTypedArray =
  | Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array | Float16View | Float32Array | Float64Array;

/** A GPU this worker holds: NVML's index (as nvidia-smi numbers it), its UUID and its name. */
export type GpuInfo = { readonly index: number; readonly uuid: string; readonly name: string };

/** What a task handler receives beside its payload. */
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
   * const out = ctx.output("image", ctx.shapes.image!, "uint8") as Uint8Array;
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
   */
  gpus: readonly GpuInfo[];
};

/**
 * A task handler: the payload (JSON as the job carries it) and the context in; the result out
 * (anything CBOR carries; `undefined` becomes null). A throw fails the job with the error's
 * name, message and stack; the worker lives on.
 */
export type Task<Payload = any, Result = unknown> = (payload: Payload, ctx: TaskContext) => Result | Promise<Result>;

/** What a task module exports as `tasks`: task name → handler. */
export type TaskTable = Record<string, Task>;
