import { describe, expect, test } from "bun:test";
import { parseGpus } from "./gpus.ts";

const H200 = { index: 0, uuid: "GPU-11111111-2222-3333-4444-555555555555", name: "NVIDIA H200" };

describe("ctx.gpus from GAIA_GPUS", () => {
  test("no variable: no GPUs", () => {
    expect(parseGpus(undefined)).toEqual([]);
    expect(parseGpus("")).toEqual([]);
  });

  test("index, uuid and name of each, frozen, extra fields dropped", () => {
    const gpus = parseGpus(JSON.stringify([H200, { index: 2, uuid: "GPU-b", name: "NVIDIA A100", extra: 1 }]));
    expect(gpus).toEqual([H200, { index: 2, uuid: "GPU-b", name: "NVIDIA A100" }]);
    expect(Object.isFrozen(gpus) && Object.isFrozen(gpus[0])).toBe(true);
  });

  test.each(["not json", "{}", '[{"index": 0}]', "[1]"])("%p is refused, saying what GAIA_GPUS should be", (text) => {
    expect(() => parseGpus(text)).toThrow("GAIA_GPUS is not a JSON list of {index, uuid, name}");
  });
});
