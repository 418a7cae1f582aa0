import { describe, expect, test } from "bun:test";
import { DTYPE_NAMES } from "./dtypes.ts";
import { npyHeader, parseNpyHeader } from "./npy.ts";

const bytes = (text: string, major = 1) => {
  const header = new TextEncoder().encode(text);
  const prefix = major === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + header.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, prefix);
  return out;
};

describe("npy headers", () => {
  test("what gaia writes, it reads back, for every dtype and rank 0 to 4; data starts on 64 bytes", () => {
    for (const dtype of DTYPE_NAMES) {
      for (const shape of [[], [7], [2, 3], [1, 0, 5], [2, 3, 4, 5]]) {
        const header = npyHeader(dtype, shape);
        expect(header.length % 64).toBe(0);
        expect(header[header.length - 1]).toBe(0x0a);
        expect(parseNpyHeader(header)).toEqual({ kind: "ok", header: { dtype, shape, dataOffset: header.length } });
      }
    }
  });

  test("numpy's own header text, byte for byte", () => {
    // np.save of np.zeros((3, 4), np.float32) writes exactly this header (numpy 2.x).
    const text = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
    expect(new TextDecoder().decode(npyHeader("float32", [3, 4]).subarray(10)).trimEnd()).toBe(text);
    expect(new TextDecoder().decode(npyHeader("uint8", [5]).subarray(10))).toContain("'descr': '|u1'");
    expect(new TextDecoder().decode(npyHeader("bool", []).subarray(10))).toContain("'shape': ()");
    // np.save of a float16 array: numpy's descr for it is '<f2'.
    expect(new TextDecoder().decode(npyHeader("float16", [2, 2]).subarray(10)).trimEnd()).toBe("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }");
  });

  test("versions 2.0 and 3.0, and headers arriving in pieces", () => {
    const v2 = bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (10,), }\n", 2);
    expect(parseNpyHeader(v2)).toMatchObject({ kind: "ok", header: { dtype: "int64", shape: [10], dataOffset: v2.length } });
    expect(parseNpyHeader(v2.subarray(0, 5))).toEqual({ kind: "more", need: 10 });
    expect(parseNpyHeader(v2.subarray(0, 20))).toEqual({ kind: "more", need: v2.length });
  });

  test("what gaia refuses, with the reason", () => {
    const reason = (text: string) => {
      const parsed = parseNpyHeader(bytes(text));
      return parsed.kind === "error" ? parsed.message : parsed.kind;
    };
    expect(reason("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 4), }")).toContain("Fortran order");
    expect(reason("{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }")).toContain("big-endian");
    expect(reason("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (3,), }")).toContain("structured");
    expect(reason("{'descr': '<c16', 'fortran_order': False, 'shape': (3,), }")).toContain("not one of gaia's dtypes");
    expect(reason("{'descr': '<f4', 'fortran_order': False, 'shape': (3, -1), }")).toContain("not a tuple of integers");
    expect(reason("not a dict")).toContain("not a dict");
    const wrongMagic = bytes("{}");
    wrongMagic[1] = 0;
    expect(parseNpyHeader(wrongMagic)).toMatchObject({ kind: "error", message: expect.stringContaining("not a .npy file") });
  });
});
