/**
 * Frame values (SPEC §12): anything CBOR carries, with arrays kept as arrays across languages.
 *
 * An array crosses as CBOR tag ARRAY_TAG around a map with numpy's dtype name and its shape:
 *   inline   {dtype, shape, data: bytes}                  under 64 KiB
 *   shared   {dtype, shape, file, offset, length}          64 KiB or more: the bytes are in a
 *                                                          slot file (slots.ts), read in place
 * and bytes of 64 KiB or more as the shared form with dtype "bytes". The tag is one number in
 * CBOR's first-come-first-served range (0x67616961, "gaia"); a peer without this codec sees a
 * plain tagged map. Python's side is `python/gaia_worker/node_values.py`.
 *
 * In TypeScript: a 1-D array of a dtype with its own TypedArray (Float32Array, Int16Array,
 * BigInt64Array, ...) is that TypedArray; any other shape, and `uint8` and `bool` (whose
 * Uint8Array would read as bytes), is an `NDArray` {dtype, shape, data}. A Uint8Array is bytes.
 * Received arrays and bytes from shared memory are views of the producer's slot, valid until
 * `process` (or an output callback) has finished with the frame: copy what you keep.
 */
// The pure-JS build, as src/protocol/cbor.ts uses; its typings leave out the Tag class it exports.
import * as cborDecode from "cbor-x/decode";
import type { Tag as TagClass } from "cbor-x";
import { byteLength, checkArraySpec, DTYPES, type Dtype } from "../arrays/dtypes.ts";
import { SHM_MIN_BYTES, type Placed, type SlotMaps } from "./slots.ts";

const Tag = (cborDecode as unknown as { Tag: typeof TagClass }).Tag;
type Tag = TagClass;

export const ARRAY_TAG = 0x67616961;
/** The deepest nesting a value may have: the codecs on both sides recurse. */
export const MAX_DEPTH = 256;

export type AnyTypedArray =
  | Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array | Float16Array | Float32Array | Float64Array;

type ViewClass = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => AnyTypedArray;
/** float16 as a Float16Array where the runtime has one, else its raw bits (as workers/arrays.ts). */
const Float16View: ViewClass = typeof Float16Array === "function" ? Float16Array : Uint16Array;
export const VIEWS: Record<Dtype, ViewClass> = {
  bool: Uint8Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
  float16: Float16View, float32: Float32Array, float64: Float64Array,
};

/**
 * An array with a dtype and shape (C order) over a flat TypedArray.
 *
 * ```ts
 * const frame = new NDArray("float32", [2, 160], new Float32Array(320));
 * ctx.emit("stereo", frame); // numpy sees a (2, 160) float32 array
 * ```
 */
export class NDArray<T extends AnyTypedArray = AnyTypedArray> {
  constructor(
    readonly dtype: Dtype,
    readonly shape: number[],
    readonly data: T,
  ) {
    const spec = checkArraySpec(dtype, shape);
    if (!spec.ok) throw new TypeError(`NDArray: ${spec.message}`);
    if (byteLength(dtype, shape) !== data.byteLength) {
      throw new TypeError(`NDArray: shape ${JSON.stringify(shape)} of ${dtype} needs ${byteLength(dtype, shape)} bytes; data has ${data.byteLength}`);
    }
  }
}

function dtypeOf(view: ArrayBufferView): Dtype | "bytes" {
  if (typeof Float16Array === "function" && view instanceof Float16Array) return "float16";
  if (view instanceof Float32Array) return "float32";
  if (view instanceof Float64Array) return "float64";
  if (view instanceof Int16Array) return "int16";
  if (view instanceof Int32Array) return "int32";
  if (view instanceof Uint16Array) return "uint16";
  if (view instanceof Uint32Array) return "uint32";
  if (view instanceof Int8Array) return "int8";
  if (view instanceof BigInt64Array) return "int64";
  if (view instanceof BigUint64Array) return "uint64";
  if (view instanceof Uint8ClampedArray) return "uint8";
  return "bytes"; // Uint8Array, Buffer, DataView
}

const bytesOf = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** Where a producer puts large bytes: copies them into a slot and says where they are. */
export type Place = (bytes: Uint8Array) => Placed;

/**
 * Numbers past 32 bits go in as BigInt, which cbor-x writes as CBOR integers: left as numbers,
 * cbor.ts's widenIntegers would copy the Tag into a plain object (see src/protocol/cbor.ts).
 */
const wide = (n: number) => (n > 0xffffffff ? BigInt(n) : n);

function encodeArray(dtype: Dtype | "bytes", shape: number[], bytes: Uint8Array, place: Place | null): unknown {
  const dims = shape.map(wide);
  if (bytes.byteLength >= SHM_MIN_BYTES && place) {
    const { file, offset, length } = place(bytes);
    return new Tag({ dtype, shape: dims, file, offset: wide(offset), length: wide(length) }, ARRAY_TAG);
  }
  if (dtype === "bytes") return bytes;
  return new Tag({ dtype, shape: dims, data: bytes }, ARRAY_TAG);
}

/** The value as CBOR will carry it: arrays tagged, large ones placed by `place`. */
export function encodeValue(value: unknown, place: Place | null, depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_DEPTH) throw new TypeError(`a frame value nested deeper than ${MAX_DEPTH} levels cannot be sent`);
  if (ArrayBuffer.isView(value)) {
    const dtype = dtypeOf(value);
    const items = dtype === "bytes" ? value.byteLength : value.byteLength / DTYPES[dtype].size;
    return encodeArray(dtype, [items], bytesOf(value), place);
  }
  if (value instanceof NDArray) return encodeArray(value.dtype, value.shape, bytesOf(value.data), place);
  if (value instanceof ArrayBuffer) return encodeArray("bytes", [value.byteLength], new Uint8Array(value), place);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const e = encodeValue(value[i], place, depth + 1);
      if (e !== value[i]) (copy ??= value.slice())[i] = e;
    }
    return copy ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value; // Date, Map, ...: cbor-x's
  let copy: Record<string, unknown> | undefined;
  for (const key in value as Record<string, unknown>) {
    const v = (value as Record<string, unknown>)[key];
    const e = encodeValue(v, place, depth + 1);
    if (e !== v) (copy ??= { ...(value as Record<string, unknown>) })[key] = e;
  }
  return copy ?? value;
}

function decodeArray(tag: Tag, maps: SlotMaps | null): unknown {
  const d = tag.value as Record<string, unknown>;
  if (d === null || typeof d !== "object") throw new Error("an array descriptor that is not a map");
  const dtype = d.dtype;
  const shape = d.shape;
  let bytes: Uint8Array;
  if ("data" in d) {
    if (!(d.data instanceof Uint8Array)) throw new Error("an inline array whose data is not a byte string");
    bytes = d.data;
  } else {
    if (!maps) throw new Error("a frame names shared memory where none is accepted");
    bytes = maps.bytes(d.file, d.offset, d.length);
  }
  if (dtype === "bytes") {
    if (!Array.isArray(shape) || shape.length !== 1 || shape[0] !== bytes.length) throw new Error(`bytes of length ${bytes.length} with shape ${JSON.stringify(shape)}`);
    return bytes;
  }
  const spec = checkArraySpec(dtype, shape);
  if (!spec.ok) throw new Error(`a frame's array: ${spec.message}`);
  if (byteLength(spec.dtype, spec.shape) !== bytes.length) throw new Error(`a frame's ${spec.dtype} array of shape ${JSON.stringify(spec.shape)} comes with ${bytes.length} bytes`);
  const size = DTYPES[spec.dtype].size;
  if (bytes.byteOffset % size !== 0) bytes = bytes.slice(); // a TypedArray needs aligned memory
  const data = new VIEWS[spec.dtype](bytes.buffer, bytes.byteOffset, bytes.length / size);
  if (spec.shape.length === 1 && spec.dtype !== "uint8" && spec.dtype !== "bool") return data;
  return new NDArray(spec.dtype, spec.shape, data);
}

/** The value a decoded frame carries, arrays as views; throws a one-line error for a bad one. */
export function decodeValue(value: unknown, maps: SlotMaps | null): unknown {
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
  if (value instanceof Tag) return value.tag === ARRAY_TAG ? decodeArray(value, maps) : value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decodeValue(value[i], maps);
    return value;
  }
  for (const key in value as Record<string, unknown>) {
    const record = value as Record<string, unknown>;
    record[key] = decodeValue(record[key], maps);
  }
  return value;
}
