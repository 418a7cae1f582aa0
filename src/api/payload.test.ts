import { describe, expect, test } from "bun:test";
import { MAX_DEPTH, payloadProblem } from "./payload.ts";

const nest = (depth: number) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

describe("payloadProblem", () => {
  test("ordinary payloads pass", () => {
    expect(payloadProblem({ a: [1, { b: "c" }], d: null })).toBeNull();
    expect(payloadProblem(nest(MAX_DEPTH - 1))).toBeNull();
  });
  test("nesting past the limit is refused, even far past it, without recursion", () => {
    expect(payloadProblem(nest(MAX_DEPTH + 1))).toContain("nested deeper");
    expect(payloadProblem(nest(200_000))).toContain("nested deeper");
  });
  test("a __proto__ key is refused wherever it is", () => {
    expect(payloadProblem(JSON.parse('{"x": [{"__proto__": {"a": 1}}]}'))).toContain("__proto__");
  });
});
