/**
 * `runTask`: a task handler run in the test's own process with a real `TaskContext` (SPEC
 * §4), the TypeScript twin of Python's `gaia_worker.testing.run`. For `bun test` (it maps
 * files with Bun.mmap, as a worker does).
 *
 * Input arrays become real files in a fresh folder under /dev/shm, mapped as a worker maps
 * them (copy-on-write views); `ctx.output` makes real files there too, through the worker's
 * own code (workers/arrays.ts). The folder is removed before `runTask` returns: the views
 * stay valid (an unlinked file's pages live while they are mapped) and nothing is left
 * behind. What the task throws is thrown as it is, not wrapped.
 *
 * ```ts
 * import { runTask } from "/opt/gaia/workers/testing.ts";
 * import { tasks } from "./tasks.ts";
 *
 * test("invert", async () => {
 *   const { arrays } = await runTask(tasks["img.invert"], null, { arrays: { image: new Uint8Array([0, 255]) } });
 *   expect([...arrays.image!]).toEqual([255, 0]);
 * });
 * ```
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { byteLength, checkArraySpec } from "../src/arrays/dtypes.ts";
import type { InputArray, JobMessage } from "../src/protocol/messages.ts";
import { mapInputs, Outputs } from "./arrays.ts";
import { makeContext } from "./run-job.ts";
import type { AnyTypedArray, Dtype, Task } from "./types.ts";

/** An input: a TypedArray (dtype from its class, one dimension), or its bytes with dtype and shape. */
export type TestArray = AnyTypedArray | { data: ArrayBufferView; dtype: Dtype; shape: number[] };

export type RunTaskOptions = {
  arrays?: Record<string, TestArray>;
  /** `ctx.task` (default "task"). */
  task?: string;
  attempt?: number;
  timeoutS?: number;
  /** The `ctx.session` the job starts with; kept, so a test can run several jobs of one session. */
  session?: Record<string, unknown>;
  sessionReset?: boolean;
  /** Receives each `ctx.progress(fraction, message)`. */
  onProgress?: (fraction: number, message: string | null) => void;
  /** Where the files go (default /dev/shm when writable, else the temp dir). */
  arraysDir?: string;
};

/** The handler's value, and the arrays it made with `ctx.output` (name → view, shape, dtype). */
export type TaskRun<T = unknown> = { value: T; arrays: Record<string, AnyTypedArray>; shapes: Record<string, number[]>; dtypes: Record<string, Dtype> };

const CLASS_DTYPES: Record<string, Dtype> = {
  Int8Array: "int8", Uint8Array: "uint8", Int16Array: "int16", Uint16Array: "uint16", Int32Array: "int32", Uint32Array: "uint32",
  BigInt64Array: "int64", BigUint64Array: "uint64", Float16Array: "float16", Float32Array: "float32", Float64Array: "float64",
};

export async function runTask<T = unknown>(handler: Task, payload: unknown = null, options: RunTaskOptions = {}): Promise<TaskRun<T>> {
  const folder = mkdtempSync(join(options.arraysDir ?? defaultDir(), "gaia-testing-"));
  const jobId = crypto.randomUUID();
  const attempt = options.attempt ?? 1;
  try {
    const inputs = Object.fromEntries(Object.entries(options.arrays ?? {}).map(([key, value], i) => [key, store(folder, `input-${i}`, key, value)]));
    const job: JobMessage = {
      t: "job", id: jobId, task: options.task ?? "task", payload, attempt, timeout_ms: (options.timeoutS ?? 300) * 1000, priority: 0,
      session_id: "test", session_reset: options.sessionReset ?? false, arrays: inputs,
    };
    const sessions = new Map([["test", options.session ?? {}]]);
    const outputs = new Outputs({ dir: folder, instance: `${process.pid}ptest` }, jobId, attempt);
    const ctx = makeContext(job, Date.now() + job.timeout_ms, sessions, options.onProgress ?? (() => {}), outputs);
    let value: unknown;
    try {
      value = await handler(payload, ctx);
    } catch (err) {
      outputs.discard();
      throw err;
    }
    const made = Object.fromEntries(Object.entries(outputs.made).map(([key, out]) => [key, { name: out.name, path: join(folder, out.name), dtype: out.dtype, shape: out.shape }]));
    const { arrays, shapes, dtypes } = mapInputs(made);
    return { value: (value === undefined ? null : value) as T, arrays, shapes, dtypes };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** An input array as the IO engine hands it to a worker: a file, its dtype and shape. */
function store(folder: string, file: string, key: string, value: TestArray): InputArray {
  const given = ArrayBuffer.isView(value) && !("data" in value) ? null : (value as { data: ArrayBufferView; dtype: Dtype; shape: number[] });
  const view = given ? given.data : (value as ArrayBufferView);
  const dtype = given ? given.dtype : CLASS_DTYPES[view.constructor.name];
  const shape = given ? given.shape : [view.byteLength / (view as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT];
  const spec = checkArraySpec(dtype, shape);
  if (!spec.ok) throw new TypeError(`runTask: arrays.${key}: ${spec.message}`);
  if (byteLength(spec.dtype, spec.shape) !== view.byteLength) {
    throw new TypeError(`runTask: arrays.${key}: ${spec.dtype} ${JSON.stringify(spec.shape)} needs ${byteLength(spec.dtype, spec.shape)} bytes, the data has ${view.byteLength}`);
  }
  const path = join(folder, file);
  writeFileSync(path, new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return { name: file, path, dtype: spec.dtype, shape: spec.shape };
}

function defaultDir(): string {
  return existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
}
