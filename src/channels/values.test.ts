import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { sweepPrefix } from "../arrays/files.ts";
import { instanceId } from "../arrays/names.ts";
import { startTime } from "../lib/proc.ts";
import { decodeCbor, encodeCbor } from "../protocol/cbor.ts";
import { SHM_MIN_BYTES, SlotMaps, SlotPool } from "./slots.ts";
import { ARRAY_TAG, decodeValue, encodeValue, NDArray } from "./values.ts";

const dir = "/dev/shm";
// A live instance (this process), so no other gaia's start-up sweep takes these files.
const session = `gaia-${instanceId(process.pid, startTime(process.pid) ?? 0)}-p${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
afterAll(() => sweepPrefix(dir, session));

const roundTrip = (value: unknown, pool: SlotPool | null = null, maps: SlotMaps | null = null) => {
  const place = pool ? (bytes: Uint8Array) => ({ file: pool.write(bytes).file, offset: 0, length: bytes.length }) : null;
  return decodeValue(decodeCbor(encodeCbor(encodeValue(value, place))), maps);
};

describe("frame values inline", () => {
  test("plain CBOR values pass unchanged", () => {
    const v = { a: 1, b: [true, null, "é", 2.5], c: { d: 5_000_000_000 } };
    expect(roundTrip(v)).toEqual(v);
  });

  test("1-D TypedArrays come back as the same kind, multi-dim and uint8 as NDArray", () => {
    const f = new Float32Array([1.5, -2, 3]);
    expect(roundTrip({ f })).toEqual({ f });
    expect(roundTrip(new BigInt64Array([1n, -2n]))).toEqual(new BigInt64Array([1n, -2n]));
    const nd = new NDArray("int16", [2, 2], new Int16Array([1, 2, 3, 4]));
    const back = roundTrip(nd) as NDArray;
    expect(back).toBeInstanceOf(NDArray);
    expect([back.dtype, back.shape, [...back.data]]).toEqual(["int16", [2, 2], [1, 2, 3, 4]]);
    expect((roundTrip(new Uint8ClampedArray([7, 8])) as NDArray).dtype).toBe("uint8");
    expect(roundTrip(new Uint8Array([1, 2]))).toEqual(new Uint8Array([1, 2]));
  });

  test("an array is a tagged map with numpy's dtype name and the shape", () => {
    const tagged = encodeValue(new Float64Array([1]), null) as { tag: number; value: Record<string, unknown> };
    expect(tagged.tag).toBe(ARRAY_TAG);
    expect(tagged.value).toMatchObject({ dtype: "float64", shape: [1] });
  });

  test("NDArray refuses a shape its data does not fill", () => {
    expect(() => new NDArray("float32", [3, 3], new Float32Array(8))).toThrow("needs 36 bytes; data has 32");
  });

  test("values nested too deep are refused when encoding", () => {
    let v: unknown = 1;
    for (let i = 0; i < 300; i++) v = [v];
    expect(() => encodeValue(v, null)).toThrow("deeper than 256");
  });
});

describe("frame values through shared memory", () => {
  test("a large array is written once into a slot and read in place", () => {
    const pool = new SlotPool(dir, `${session}n0o0`, 4);
    const maps = new SlotMaps(dir, session, 8);
    const big = new Float32Array(SHM_MIN_BYTES / 4 + 3).map((_, i) => i);
    const encoded = encodeCbor(encodeValue({ big }, (b) => ({ file: pool.write(b).file, offset: 0, length: b.length })));
    expect(encoded.length).toBeLessThan(200);
    const back = decodeValue(decodeCbor(encoded), maps) as { big: Float32Array };
    expect(back.big.length).toBe(big.length);
    expect(back.big[big.length - 1]).toBe(big.length - 1);
    expect(readdirSync(dir).filter((f) => f.startsWith(session))).toEqual([`${session}n0o0s0`]);
  });

  test("slots are reused once released and unlinked beyond `keep`", () => {
    const pool = new SlotPool(dir, `${session}n1o0`, 1);
    const a = pool.write(new Uint8Array(SHM_MIN_BYTES));
    a.refs = 1;
    pool.release(a);
    const b = pool.write(new Uint8Array(SHM_MIN_BYTES - 1));
    expect(b.file).toBe(a.file);
    b.refs = 1;
    const c = pool.write(new Uint8Array(SHM_MIN_BYTES * 3));
    expect(c.size).toBe(SHM_MIN_BYTES * 4);
    c.refs = 1;
    pool.release(b);
    expect(pool.files).toBe(1);
    expect(readdirSync(dir).filter((f) => f.startsWith(`${session}n1o0`))).toEqual([c.file]);
  });

  test("descriptors naming another session's file, a path, or a range past the end are refused", () => {
    const maps = new SlotMaps(dir, session, 8);
    expect(() => maps.bytes("gaia-1p1-pdeadbeefdeadbeefn0o0s0", 0, 1)).toThrow("not one of this session's");
    expect(() => maps.bytes(`${session}/../x`, 0, 1)).toThrow("not one of this session's");
    expect(() => maps.bytes(`${session}n0o0s0`, 0, 10 * SHM_MIN_BYTES)).toThrow("which has 131072");
    expect(() => maps.bytes(`${session}n0o0s0`, -1, 1)).toThrow("bad range");
  });
});
