import { describe, expect, test } from "bun:test";
import { routeTask } from "./routing.ts";

const announced = (entries: [string, string[]][]) => new Map(entries.map(([p, t]) => [p, new Set(t)]));

describe("routeTask", () => {
  test("picks the first pool in config order that serves the task", () => {
    const a = announced([["py", ["echo", "score"]], ["default", ["echo"]]]);
    expect(routeTask("echo", ["default", "py"], a)).toEqual({ kind: "pool", pool: "default" });
    expect(routeTask("score", ["default", "py"], a)).toEqual({ kind: "pool", pool: "py" });
  });
  test("an unannounced task is unknown once every pool has spoken", () => {
    expect(routeTask("nope", ["default"], announced([["default", ["echo"]]]))).toEqual({ kind: "unknown", message: "no pool serves task 'nope'" });
  });
  test("an unannounced task is not known yet while a pool has never spoken", () => {
    const route = routeTask("score", ["default", "py"], announced([["default", ["echo"]]]));
    expect(route.kind).toBe("not_ready");
  });
});
