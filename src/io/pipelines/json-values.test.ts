import { describe, expect, test } from "bun:test";
import { NDArray } from "../../channels/values.ts";
import { fromJsonValue, toJsonValue } from "./json-values.ts";

describe("frame values as JSON", () => {
  test("arrays and bytes become {dtype, shape, base64}, and come back the same", () => {
    const value = { f: new Float32Array([1.5, -2]), m: new NDArray("int16", [2, 2], new Int16Array([1, 2, 3, 4])), b: new Uint8Array([7]), n: [1, "x", null] };
    const json = toJsonValue(value) as Record<string, unknown>;
    expect(json.f).toEqual({ dtype: "float32", shape: [2], base64: Buffer.from(new Float32Array([1.5, -2]).buffer).toString("base64") });
    expect(json.b).toEqual({ dtype: "bytes", shape: [1], base64: "Bw==" });
    const back = fromJsonValue(JSON.parse(JSON.stringify(json))) as typeof value;
    expect(back.f).toEqual(new Float32Array([1.5, -2]));
    expect([back.m.dtype, back.m.shape, [...back.m.data]]).toEqual(["int16", [2, 2], [1, 2, 3, 4]]);
    expect(back.b).toEqual(new Uint8Array([7]));
    expect(back.n).toEqual([1, "x", null]);
  });

  test("an array whose bytes do not fill its shape is refused in one line", () => {
    expect(() => fromJsonValue({ dtype: "float32", shape: [3], base64: "AAAA" })).toThrow("an array in the input: float32 of shape [3] needs 12 bytes; base64 holds 3");
    expect(() => fromJsonValue({ dtype: "complex", shape: [1], base64: "" })).toThrow("an array in the input: dtype must be one of");
  });
});
