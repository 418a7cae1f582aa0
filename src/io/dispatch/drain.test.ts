import { expect, test } from "bun:test";
import { drainOver } from "./drain.ts";

test("a drain ends when nothing runs, or at its deadline with jobs still running", () => {
  expect(drainOver(0, 1000, 5000)).toBe(true);
  expect(drainOver(3, 1000, 5000)).toBe(false);
  expect(drainOver(3, 5000, 5000)).toBe(true);
  expect(drainOver(3, 1000, 1000)).toBe(true); // a second signal: the deadline is now
});
