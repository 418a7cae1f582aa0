import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { runTask } from "./testing.ts";
import type { TaskContext } from "./types.ts";

const leftovers = () => readdirSync("/dev/shm").filter((f) => f.startsWith("gaia-testing-"));

describe("runTask", () => {
  test("inputs are real mapped views; outputs come back by name with shape and dtype; nothing is left in /dev/shm", async () => {
    const before = leftovers();
    const run = await runTask((_p: unknown, ctx: TaskContext) => {
      const x = ctx.arrays.x as Float32Array;
      const out = ctx.output("doubled", ctx.shapes.x!, "float32") as Float32Array;
      for (let i = 0; i < x.length; i++) out[i] = x[i]! * 2;
      const flags = ctx.arrays.flags as Uint8Array;
      return { dtypes: ctx.dtypes, shapes: ctx.shapes, on: flags.filter(Boolean).length };
    }, null, { arrays: { x: { data: new Float32Array([1, 2, 3, 4]), dtype: "float32", shape: [2, 2] }, flags: { data: new Uint8Array([1, 0, 1]), dtype: "bool", shape: [3] } } });
    expect(run.value).toEqual({ dtypes: { x: "float32", flags: "bool" }, shapes: { x: [2, 2], flags: [3] }, on: 2 });
    expect([...run.arrays.doubled!]).toEqual([2, 4, 6, 8]);
    expect([run.shapes.doubled, run.dtypes.doubled]).toEqual([[2, 2], "float32"]);
    expect(leftovers()).toEqual(before);
  });

  test("what the task throws is thrown as it is; its outputs are gone", async () => {
    const before = leftovers();
    class Custom extends Error {}
    const thrown = await runTask((_p: unknown, ctx: TaskContext) => {
      ctx.output("partial", [16], "uint8");
      throw new Custom("no luck");
    }).catch((err) => err);
    expect(thrown).toBeInstanceOf(Custom);
    expect(thrown.message).toBe("no luck");
    expect(leftovers()).toEqual(before);
  });

  test("payload, progress, attempt, the session kept across runs, and a reset session", async () => {
    const progress: [number, string | null][] = [];
    const session: Record<string, unknown> = {};
    const count = async (p: { by: number }, ctx: TaskContext) => {
      ctx.progress(0.5, `attempt ${ctx.attempt}`);
      ctx.session.n = ((ctx.session.n as number) ?? 0) + p.by;
      return { n: ctx.session.n, reset: ctx.session_reset, task: ctx.task };
    };
    expect((await runTask(count, { by: 2 }, { session, attempt: 2, task: "t.count", onProgress: (f, m) => progress.push([f, m]) })).value).toEqual({ n: 2, reset: false, task: "t.count" });
    expect((await runTask(count, { by: 3 }, { session })).value).toEqual({ n: 5, reset: false, task: "task" });
    expect(session.n).toBe(5);
    expect((await runTask(count, { by: 1 }, { session, sessionReset: true })).value).toEqual({ n: 1, reset: true, task: "task" });
    expect(progress).toEqual([[0.5, "attempt 2"]]);
  });

  test("an input whose bytes do not fit its shape is a TypeError that says so", async () => {
    const err = await runTask(() => 1, null, { arrays: { x: { data: new Uint8Array(5), dtype: "float32", shape: [2] } } }).catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe("runTask: arrays.x: float32 [2] needs 8 bytes, the data has 5");
    expect((await runTask(() => undefined)).value).toBeNull();
  });
});
