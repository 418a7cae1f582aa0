/**
 * Frame values as JSON, for the HTTP routes of SPEC §12: `GET /v1/sessions/ID/output/PORT`
 * writes each frame's value as JSON with every array as `{dtype, shape, base64}`, and
 * `POST /v1/sessions/ID/input/PORT` takes a JSON value whose arrays are written the same way,
 * or one array's raw bytes (arrayFrom).
 * Bytes are `{dtype: "bytes", shape: [n], base64}`. Pure; the lead's routes call these.
 */
import { checkArraySpec, DTYPES, type Dtype } from "../../arrays/dtypes.ts";
import { NDArray, VIEWS, type AnyTypedArray } from "../../channels/values.ts";

export type JsonArray = { dtype: Dtype | "bytes"; shape: number[]; base64: string };

const b64 = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
const DTYPE_OF: [new (...a: never[]) => ArrayBufferView, Dtype][] = [
  [Float32Array, "float32"], [Float64Array, "float64"], [Int8Array, "int8"], [Int16Array, "int16"], [Int32Array, "int32"],
  [Uint16Array, "uint16"], [Uint32Array, "uint32"], [BigInt64Array, "int64"], [BigUint64Array, "uint64"], [Uint8ClampedArray, "uint8"],
];

/** A value JSON can carry: arrays and bytes spelled out, BigInts as numbers where they fit. */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof NDArray) return { dtype: value.dtype, shape: value.shape, base64: b64(value.data) } satisfies JsonArray;
  if (ArrayBuffer.isView(value)) {
    const dtype = DTYPE_OF.find(([C]) => value instanceof C)?.[1];
    if (!dtype) return { dtype: "bytes", shape: [value.byteLength], base64: b64(value) } satisfies JsonArray;
    return { dtype, shape: [value.byteLength / DTYPES[dtype].size], base64: b64(value) } satisfies JsonArray;
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJsonValue(v)]));
}

function isJsonArray(v: Record<string, unknown>): boolean {
  const keys = Object.keys(v);
  return keys.length === 3 && typeof v.dtype === "string" && Array.isArray(v.shape) && typeof v.base64 === "string";
}

/** The frame value a JSON body means; throws a one-line error for an array that does not add up. */
export function fromJsonValue(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(fromJsonValue);
  const o = value as Record<string, unknown>;
  if (!isJsonArray(o)) return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fromJsonValue(v)]));
  return arrayFrom(new Uint8Array(Buffer.from(o.base64 as string, "base64")), o.dtype, o.shape, "base64");
}

/**
 * The frame value of an array's bytes: a TypedArray for one dimension, else an NDArray
 * (uint8 and bool always NDArray, as they come from numpy); dtype "bytes" is the bytes.
 * `source` names where the bytes came from, for the error.
 */
export function arrayFrom(bytes: Uint8Array, dtype: unknown, shape: unknown, source = "the body"): unknown {
  if (dtype === "bytes") return bytes;
  const spec = checkArraySpec(dtype, shape);
  if (!spec.ok) throw new TypeError(`an array in the input: ${spec.message}`);
  const size = DTYPES[spec.dtype].size;
  const needed = spec.shape.reduce((n, d) => n * d, size);
  if (bytes.length !== needed) throw new TypeError(`an array in the input: ${spec.dtype} of shape ${JSON.stringify(spec.shape)} needs ${needed} bytes; ${source} holds ${bytes.length}`);
  // A view needs its offset aligned to the element size: copy the rare body that is not.
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const data = new VIEWS[spec.dtype](aligned.buffer, aligned.byteOffset, bytes.length / size) as AnyTypedArray;
  return spec.shape.length === 1 && spec.dtype !== "uint8" && spec.dtype !== "bool" ? data : new NDArray(spec.dtype, spec.shape, data);
}
