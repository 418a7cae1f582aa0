/**
 * The `.npy` format (numpy's NEP 1, "format.py"): the magic `\x93NUMPY`, a version, the
 * length of a header, and the header: a Python dict literal with `descr`, `fortran_order`
 * and `shape`, padded with spaces and a newline so the data starts on a 64-byte boundary.
 * Version 1.0 has a 16-bit header length, 2.0 and 3.0 a 32-bit one (3.0: UTF-8 header).
 *
 * gaia reads the header, maps `descr` onto its dtypes and then treats the rest of the file
 * as the raw C-order bytes; it refuses Fortran order, big-endian data and structured dtypes
 * (it would have to reorder bytes, which is a copy it does not make).
 */
import { checkArraySpec, DTYPES, type Dtype } from "./dtypes.ts";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;
/** A header longer than this is not one numpy would write for the dtypes gaia knows. */
const MAX_HEADER = 64 * 1024;

export type NpyHeader = { dtype: Dtype; shape: number[]; dataOffset: number };
export type NpyParse = { kind: "ok"; header: NpyHeader } | { kind: "more"; need: number } | { kind: "error"; message: string };

const BY_DESCR = new Map<string, Dtype>(
  (Object.entries(DTYPES) as [Dtype, { descr: string }][]).map(([dtype, { descr }]) => [descr.slice(1), dtype]),
);

/** Parses the header at the start of `bytes`; says how many bytes it needs when short. */
export function parseNpyHeader(bytes: Uint8Array): NpyParse {
  if (bytes.length < 10) return { kind: "more", need: 10 };
  if (!MAGIC.every((b, i) => bytes[i] === b)) return { kind: "error", message: "not a .npy file: it does not start with \\x93NUMPY" };
  const major = bytes[6]!;
  if (major < 1 || major > 3) return { kind: "error", message: `.npy version ${major}.${bytes[7]} is not one gaia reads (1.0, 2.0 or 3.0)` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major > 1 && bytes.length < 12) return { kind: "more", need: 12 };
  const headerStart = major === 1 ? 10 : 12;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > MAX_HEADER) return { kind: "error", message: `.npy header of ${headerLength} bytes is too long` };
  const dataOffset = headerStart + headerLength;
  if (bytes.length < dataOffset) return { kind: "more", need: dataOffset };
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(headerStart, dataOffset));
  const parsed = parseHeaderDict(text);
  if ("message" in parsed) return { kind: "error", message: parsed.message };
  return { kind: "ok", header: { ...parsed, dataOffset } };
}

function parseHeaderDict(text: string): { dtype: Dtype; shape: number[] } | { message: string } {
  const dict = text.trim();
  if (!dict.startsWith("{") || !dict.endsWith("}")) return { message: "the .npy header is not a dict" };
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(dict)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(dict)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr === undefined) return { message: "the .npy header has no simple 'descr' (structured dtypes are not supported)" };
  if (fortran === undefined || shapeText === undefined) return { message: "the .npy header lacks 'fortran_order' or 'shape'" };
  if (fortran === "True") return { message: "the .npy file is in Fortran order; gaia stores C order (save np.ascontiguousarray(a))" };
  const order = descr[0];
  const dtype = BY_DESCR.get(descr.slice(1));
  if (!dtype || !"<|=".includes(order ?? "") || (order === "|" && DTYPES[dtype].size > 1)) {
    const why = order === ">" ? "big-endian data is not supported (save a.astype(a.dtype.newbyteorder('<')))" : "not one of gaia's dtypes";
    return { message: `.npy dtype '${descr}': ${why}` };
  }
  const dims = shapeText.split(",").map((d) => d.trim()).filter((d) => d !== "");
  if (!dims.every((d) => /^\d+L?$/.test(d))) return { message: `the .npy shape (${shapeText}) is not a tuple of integers` };
  const checked = checkArraySpec(dtype, dims.map((d) => Number.parseInt(d, 10)));
  return checked.ok ? { dtype: checked.dtype, shape: checked.shape } : { message: checked.message };
}

/** The header numpy would write for this array: version 1.0 unless it needs 2.0. */
export function npyHeader(dtype: Dtype, shape: readonly number[]): Uint8Array {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${DTYPES[dtype].descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  const v1 = 10 + dict.length + 1 <= 0xffff;
  const prefix = v1 ? 10 : 12;
  const padded = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
  const headerLength = padded - prefix;
  const out = new Uint8Array(padded);
  out.set(MAGIC, 0);
  out[6] = v1 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (v1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  const text = dict.padEnd(headerLength - 1, " ") + "\n";
  out.set(new TextEncoder().encode(text), prefix);
  return out;
}
