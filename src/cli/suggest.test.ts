import { describe, expect, test } from "bun:test";
import { closest, didYouMean, editDistance } from "./suggest.ts";

const COMMANDS = ["start", "stop", "status", "workers", "restart", "logs", "submit", "job", "jobs", "cancel", "events", "schedules", "schedule", "gpus", "config", "completion", "version"];

describe("did you mean", () => {
  test("the distance counts a swap of neighbours as one edit", () => {
    expect(editDistance("stauts", "status")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("ca", "abc")).toBe(3); // optimal string alignment: no edit of a swapped pair
    expect(editDistance("same", "same")).toBe(0);
  });

  test("mistyped commands find the one meant", () => {
    expect(closest("stauts", COMMANDS)).toBe("status");
    expect(closest("sumbit", COMMANDS)).toBe("submit");
    expect(closest("wrokers", COMMANDS)).toBe("workers");
    expect(closest("Status", COMMANDS)).toBe("status");
    expect(closest("evnets", COMMANDS)).toBe("events");
    expect(closest("completions", COMMANDS)).toBe("completion");
  });

  test("a prefix is taken when no edit is close", () => {
    expect(closest("sched", COMMANDS)).toBe("schedules");
    expect(closest("compl", COMMANDS)).toBe("completion");
  });

  test("nothing far is suggested", () => {
    expect(closest("xyz", COMMANDS)).toBeUndefined();
    expect(closest("deploy", COMMANDS)).toBeUndefined();
    expect(didYouMean("frobnicate", COMMANDS)).toBe("");
  });

  test("flags: --paylod is --payload", () => {
    expect(didYouMean("paylod", ["payload", "array", "wait"], (s) => `--${s}`)).toBe("; did you mean --payload?");
    expect(didYouMean("stauts", COMMANDS)).toBe("; did you mean 'status'?");
  });
});
