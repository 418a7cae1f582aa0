/**
 * The array model of SPEC §6: an array is `{name, dtype, shape, byte_length}`, with numpy's
 * dtype names, little-endian, C order. This file is the one table of dtypes (item size and
 * `.npy` descriptor) and the pure checks every side applies to a dtype and a shape.
 */

export const DTYPES = {
  bool: { size: 1, descr: "|b1" },
  int8: { size: 1, descr: "|i1" },
  uint8: { size: 1, descr: "|u1" },
  int16: { size: 2, descr: "<i2" },
  uint16: { size: 2, descr: "<u2" },
  int32: { size: 4, descr: "<i4" },
  uint32: { size: 4, descr: "<u4" },
  int64: { size: 8, descr: "<i8" },
  uint64: { size: 8, descr: "<u8" },
  float16: { size: 2, descr: "<f2" },
  float32: { size: 4, descr: "<f4" },
  float64: { size: 8, descr: "<f8" },
} as const;

export type Dtype = keyof typeof DTYPES;
export const DTYPE_NAMES = Object.keys(DTYPES) as [Dtype, ...Dtype[]];

/** Rank beyond which a shape is refused: numpy's own limit (NPY_MAXDIMS) is 64. */
export const MAX_RANK = 32;

/** What the API shows of an array. */
export type ArrayInfo = { name: string; dtype: Dtype; shape: number[]; byte_length: number };

export function isDtype(value: unknown): value is Dtype {
  return typeof value === "string" && Object.hasOwn(DTYPES, value);
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function byteLength(dtype: Dtype, shape: readonly number[]): number {
  return elementCount(shape) * DTYPES[dtype].size;
}

/** A dtype and shape that make an array, or the reason they do not (for a 400). */
export function checkArraySpec(dtype: unknown, shape: unknown): { ok: true; dtype: Dtype; shape: number[] } | { ok: false; message: string } {
  if (!isDtype(dtype)) return { ok: false, message: `dtype must be one of ${DTYPE_NAMES.join(", ")}; got ${JSON.stringify(dtype ?? null)}` };
  if (!Array.isArray(shape)) return { ok: false, message: `shape must be a list of dimensions such as [1024, 1024]; got ${JSON.stringify(shape ?? null)}` };
  if (shape.length > MAX_RANK) return { ok: false, message: `shape has ${shape.length} dimensions; at most ${MAX_RANK}` };
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) return { ok: false, message: `shape dimensions must be integers >= 0; got ${JSON.stringify(d)}` };
  }
  if (!Number.isSafeInteger(byteLength(dtype, shape))) return { ok: false, message: `shape ${JSON.stringify(shape)} is too large` };
  return { ok: true, dtype, shape: shape as number[] };
}

/** Parses the query form of a shape: "1024,1024"; "" is rank 0 (a scalar). */
export function parseShapeParam(text: string): number[] | null {
  if (text.trim() === "") return [];
  const parts = text.split(",").map((p) => p.trim());
  if (!parts.every((p) => /^\d+$/.test(p))) return null;
  return parts.map(Number);
}
