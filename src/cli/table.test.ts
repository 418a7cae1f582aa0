import { describe, expect, test } from "bun:test";
import { formatDuration, formatExit, truncate } from "./format.ts";
import { fields, table } from "./table.ts";

describe("human output", () => {
  test("a table aligns columns, right-aligns numbers and shows absent values as -", () => {
    const rows = [
      { id: "default-1", rss: 81.3, exit: null },
      { id: "py-10", rss: 1, exit: "SIGKILL (crash)" },
    ];
    const text = table(rows, [
      { header: "id", value: (r) => r.id },
      { header: "rss", value: (r) => r.rss, align: "right" },
      { header: "last exit", value: (r) => r.exit },
    ]);
    expect(text.split("\n")).toEqual([
      "ID          RSS  LAST EXIT",
      "default-1  81.3  -",
      "py-10         1  SIGKILL (crash)",
    ]);
  });
  test("key: value blocks indent multi-line values under their key", () => {
    expect(fields([["id", "j1"], ["traceback", "a\nb"]])).toBe("id:        j1\ntraceback: a\n           b");
  });
  test("exits, durations and long text read short", () => {
    expect(formatExit({ code: null, signal: "SIGKILL", reason: "crash" })).toBe("SIGKILL (crash)");
    expect(formatExit({ code: 1, signal: null, reason: null })).toBe("code 1");
    expect(formatExit(null)).toBe("-");
    expect([45, 192, 7500, 90_000].map(formatDuration)).toEqual(["45s", "3m 12s", "2h 05m", "1d 1h"]);
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("first\nsecond", 40)).toBe("first …");
  });
});
