import { expect, test } from "bun:test";
import { LogStore } from "./logs.ts";

test("a follower pages forward from its cursor without skipping a burst; a tail reads the newest", () => {
  const logs = new LogStore();
  const write = process.stdout.write;
  process.stdout.write = () => true; // the store also prints each line: not wanted in test output
  try {
    for (let i = 1; i <= 5; i++) logs.write(i % 2 ? "w-0" : "w-1", `line ${i}`);
  } finally {
    process.stdout.write = write;
  }
  const first = logs.all(2, 1, true);
  expect(first.lines.map((l) => l.line)).toEqual(["line 2", "line 3"]);
  expect(first.more).toBe(true);
  const rest = logs.all(2, first.lines[1]!.seq, true);
  expect(rest.lines.map((l) => l.line)).toEqual(["line 4", "line 5"]);
  expect(rest.more).toBe(false);
  expect(logs.all(2).lines.map((l) => l.line)).toEqual(["line 4", "line 5"]);
});
