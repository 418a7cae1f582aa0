/** How many jobs a node takes ahead of its workers (pure). */
import { expect, test } from "bun:test";
import { roomOf } from "./claimer.ts";

test("before a job ended here: one running and one ahead per worker, less those held", () => {
  expect(roomOf(2, 0, null)).toBe(4);
  expect(roomOf(2, 3, null)).toBe(1);
  expect(roomOf(2, 9, null)).toBe(0);
  expect(roomOf(0, 0, null)).toBe(0);
});

test("short jobs are taken further ahead, up to 256 a worker; long ones one ahead", () => {
  expect(roomOf(2, 0, 0.05)).toBe(512);
  expect(roomOf(2, 0, 5)).toBe(2 * (1 + 4));
  expect(roomOf(2, 0, 10_000)).toBe(4);
  expect(roomOf(100, 0, 0.05)).toBe(1000); // one claim takes at most 1000
});
