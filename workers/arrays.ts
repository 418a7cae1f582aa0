/**
 * Arrays in a Bun worker (SPEC §4, §6): inputs as TypedArrays over the mapped files, outputs
 * as TypedArrays over new files that become the job's result arrays. No byte is copied.
 *
 * Inputs are mapped private (MAP_PRIVATE): a task may scribble on its view, but the file, which
 * other jobs may read, never changes. Outputs are mapped shared. `Bun.mmap` cannot map an
 * empty file, so an array of zero bytes is an empty TypedArray with no file mapped. Mappings
 * go with the garbage collector; the IO engine never truncates a file, so a view kept past its
 * job stays valid (an unlinked file's pages live until the last mapping goes).
 */
import { statfsSync } from "node:fs";
import { dirname, join } from "node:path";
import { byteLength, checkArraySpec, DTYPES, type Dtype } from "../src/arrays/dtypes.ts";
import { createArrayFile, removeArrayFile } from "../src/arrays/files.ts";
import { reserve } from "./reserve.ts";
import { outputName } from "../src/arrays/names.ts";
import { takeSpare } from "../src/arrays/spares.ts";
import type { InputArray, OutputArray } from "../src/protocol/messages.ts";

import type { AnyTypedArray } from "../src/client/task-types.ts";

export type { AnyTypedArray };

/**
 * float16 is a Float16Array where the runtime has one (Bun has since 1.1.x; this build's is
 * checked by workers/arrays-float16.test.ts), else the raw bits as a Uint16Array, with
 * ctx.dtypes naming it float16.
 */
const Float16View = typeof Float16Array === "function" ? Float16Array : Uint16Array;

const VIEWS: Record<Dtype, new (buffer: ArrayBufferLike, byteOffset: number, length: number) => AnyTypedArray> = {
  bool: Uint8Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
  float16: Float16View, float32: Float32Array, float64: Float64Array,
};

export type ArraysPlace = { dir: string; instance: string };

function view(path: string | null, dtype: Dtype, shape: number[], shared: boolean): AnyTypedArray {
  const bytes = byteLength(dtype, shape);
  const View = VIEWS[dtype];
  if (bytes === 0 || path === null) return new View(new ArrayBuffer(0), 0, 0);
  const mapped = Bun.mmap(path, { shared });
  return new View(mapped.buffer, mapped.byteOffset, bytes / DTYPES[dtype].size);
}

/** The job's inputs, by the names the job gave them. */
export function mapInputs(inputs: Record<string, InputArray> | undefined) {
  const arrays: Record<string, AnyTypedArray> = {};
  const shapes: Record<string, number[]> = {};
  const dtypes: Record<string, Dtype> = {};
  for (const [key, input] of Object.entries(inputs ?? {})) {
    const dtype = input.dtype as Dtype;
    arrays[key] = view(input.path, dtype, input.shape, false);
    shapes[key] = input.shape;
    dtypes[key] = dtype;
  }
  return { arrays, shapes, dtypes };
}

/** A new file of `bytes` with its pages reserved (see reserve.ts); a clean error when there is no room. */
function createReserved(path: string, bytes: number, name: string): void {
  try {
    createArrayFile(path, bytes, reserve);
  } catch (err) {
    const errno = (err as { reserveErrno?: number }).reserveErrno;
    if (typeof errno !== "number") throw err;
    throw new Error(`ctx.output("${name}"): cannot get ${bytes} bytes in ${dirname(path)} (errno ${errno}${errno === 28 ? ", no space left" : ""})`);
  }
}

/** `ctx.output` for one attempt of one job, and what it made. */
export class Outputs {
  readonly made: Record<string, OutputArray> = {};
  private readonly paths: string[] = [];

  constructor(
    private readonly place: ArraysPlace | null,
    private readonly jobId: string,
    private readonly attempt: number,
  ) {}

  create(name: string, shape: number[], dtype: string): AnyTypedArray {
    if (!this.place) throw new Error("ctx.output: this worker was not told where arrays live (its IO engine predates arrays)");
    if (typeof name !== "string" || name === "" || Object.hasOwn(this.made, name)) throw new TypeError(`ctx.output: the name must be a new, non-empty string; got ${JSON.stringify(name)}`);
    const spec = checkArraySpec(dtype, Array.isArray(shape) ? [...shape] : shape);
    if (!spec.ok) throw new TypeError(`ctx.output("${name}"): ${spec.message}`);
    const bytes = byteLength(spec.dtype, spec.shape);
    // tmpfs does not refuse a write past its size: it kills the writer with SIGBUS. Refuse here.
    const fs = statfsSync(this.place.dir);
    if (bytes > fs.bavail * fs.bsize) throw new Error(`ctx.output("${name}"): ${bytes} bytes needed, ${fs.bavail * fs.bsize} free in ${this.place.dir}`);
    const file = outputName(this.place.instance, this.jobId, this.attempt, process.pid, this.paths.length);
    const path = join(this.place.dir, file);
    // A spare of this size has its pages already: reuse it, zeroed (src/arrays/spares.ts).
    const spare = takeSpare(this.place.dir, this.place.instance, bytes, path);
    if (!spare) createReserved(path, bytes, name);
    this.paths.push(path);
    this.made[name] = spare ? { name: file, dtype: spec.dtype, shape: spec.shape, spare } : { name: file, dtype: spec.dtype, shape: spec.shape };
    const out = view(path, spec.dtype, spec.shape, true);
    if (spare) new Uint8Array(out.buffer, out.byteOffset, out.byteLength).fill(0);
    return out;
  }

  get any(): boolean {
    return this.paths.length > 0;
  }

  /** The job failed: its outputs are not results, and the files go now. */
  discard(): void {
    for (const path of this.paths) removeArrayFile(path);
  }
}
