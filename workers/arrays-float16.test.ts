/**
 * float16 in a Bun worker (SPEC §6): inputs and outputs are Float16Array views on the files,
 * with numpy's bits (IEEE 754 binary16, little-endian). Real files in a temp dir stand in for
 * arrays.dir; the code is the worker's own.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mapInputs, Outputs } from "./arrays.ts";

const dir = mkdtempSync(join(tmpdir(), "gaia-f16-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** numpy's bits for 1.5, -2, 65504 (the largest half), 2^-24 (the smallest subnormal), -0. */
const VALUES = [1.5, -2, 65504, 2 ** -24, -0];
const BITS = [0x3e00, 0xc000, 0x7bff, 0x0001, 0x8000];

describe("float16 in a Bun worker", () => {
  test("this Bun has Float16Array, so views need no conversion", () => {
    expect(typeof Float16Array).toBe("function");
    expect(new Float16Array(1).BYTES_PER_ELEMENT).toBe(2);
  });

  test("an input maps as a Float16Array of numpy's values, named float16 in ctx.dtypes", () => {
    const path = join(dir, "gaia-1p1-in");
    writeFileSync(path, new Uint8Array(Uint16Array.from(BITS).buffer));
    const { arrays, dtypes, shapes } = mapInputs({ x: { name: "gaia-1p1-in", path, dtype: "float16", shape: [5] } });
    expect(arrays.x).toBeInstanceOf(Float16Array);
    expect([...(arrays.x as Float16Array)]).toEqual(VALUES);
    expect(dtypes.x).toBe("float16");
    expect(shapes.x).toEqual([5]);
  });

  test("an output of dtype float16 is a zeroed Float16Array whose file holds numpy's bits", () => {
    const outputs = new Outputs({ dir, instance: "1p1" }, "01a2031d-7100-722d-9983-57d66007f049", 1);
    const out = outputs.create("y", [5], "float16") as Float16Array;
    expect(out).toBeInstanceOf(Float16Array);
    expect([...out]).toEqual([0, 0, 0, 0, 0]);
    out.set(VALUES);
    expect(outputs.made.y).toMatchObject({ dtype: "float16", shape: [5] });
    const file = readFileSync(join(dir, outputs.made.y!.name));
    expect([...new Uint16Array(file.buffer, file.byteOffset, 5)]).toEqual(BITS);
  });
});
