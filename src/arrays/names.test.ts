import { describe, expect, test } from "bun:test";
import { checkArraySpec, parseShapeParam } from "./dtypes.ts";
import { fileInstance, isArrayName, jobOutputsPrefix, outputName, uploadName } from "./names.ts";
import { resolveMaxBytes } from "./files.ts";

describe("array names", () => {
  const job = "01a2031d-7100-722d-9983-57d66007f049";
  test("uploads and outputs are names gaia made; anything else is not", () => {
    expect(isArrayName(uploadName("12p34", job))).toBe(true);
    expect(isArrayName(outputName("12p34", job, 2, 777, 0))).toBe(true);
    expect(outputName("12p34", job, 2, 777, 0).startsWith(jobOutputsPrefix("12p34", job))).toBe(true);
    expect(uploadName("12p34", job).startsWith(jobOutputsPrefix("12p34", job))).toBe(false);
    for (const bad of ["../etc/passwd", "gaia-12p34-..", "gaia-12p34-", `/dev/shm/${uploadName("1p2", job)}`, `${uploadName("1p2", job)}/x`, "gaia-x-0123"]) {
      expect(isArrayName(bad)).toBe(false);
    }
  });

  test("a file's instance is its supervisor's pid and start time", () => {
    expect(fileInstance(uploadName("4242p987", job))).toEqual({ pid: 4242, ticks: 987, id: "4242p987" });
    expect(fileInstance("sem.other")).toBeNull();
  });
});

describe("dtype, shape and size", () => {
  test("shapes from the query and their checks", () => {
    expect(parseShapeParam("1024, 3")).toEqual([1024, 3]);
    expect(parseShapeParam("")).toEqual([]);
    expect(parseShapeParam("3,x")).toBeNull();
    expect(checkArraySpec("float32", [2, 3])).toEqual({ ok: true, dtype: "float32", shape: [2, 3] });
    expect(checkArraySpec("complex64", [2])).toMatchObject({ ok: false });
    expect(checkArraySpec("uint8", [2.5])).toMatchObject({ ok: false });
    expect(checkArraySpec("uint8", [2 ** 40, 2 ** 40])).toMatchObject({ ok: false, message: expect.stringContaining("too large") });
  });

  test("arrays.max_bytes as a size or a share of the filesystem", () => {
    expect(resolveMaxBytes("8GiB", null)).toBe(8 * 1024 ** 3);
    expect(resolveMaxBytes("512 MB", null)).toBe(512e6);
    expect(resolveMaxBytes("50%", 1000)).toBe(500);
    expect(resolveMaxBytes(4096, 1)).toBe(4096);
  });
});
