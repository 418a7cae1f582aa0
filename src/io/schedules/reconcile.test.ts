import { expect, test } from "bun:test";
import { Schedule } from "../../config/schema.ts";
import { fresh, reconcile } from "./reconcile.ts";

const spec = (name: string, keys: Record<string, unknown> = { every_s: 5 }) => Schedule.parse({ name, task: "echo", ...keys });

test("a new config schedule is created; one no longer named is dropped; API ones stay", () => {
  const kept = [fresh(spec("gone"), "config", 1), fresh(spec("mine"), "api", 1)];
  const out = reconcile([spec("new")], kept, 10);
  expect(out.save.map((s) => [s.name, s.source, s.created_at])).toEqual([["new", "config", 10]]);
  expect(out.drop).toEqual(["gone"]);
  expect(out.notes).toEqual(["schedule 'gone': no longer in the config; dropped"]);
});

test("an unchanged entry keeps its pause; a changed one applies its own paused and keeps its history", () => {
  const paused = { ...fresh(spec("s"), "config", 1), paused: true, runs: 7, last_job: "j" };
  expect(reconcile([spec("s")], [paused], 10).save).toEqual([]);
  const changed = reconcile([spec("s", { every_s: 6 })], [paused], 10).save[0]!;
  expect(changed).toMatchObject({ paused: false, runs: 7, last_job: "j", updated_at: 10, created_at: 1 });
  expect(changed.spec.every_s).toBe(6);
});

test("the config takes over an API schedule of the same name", () => {
  const out = reconcile([spec("s")], [fresh(spec("s", { loop: true }), "api", 1)], 10);
  expect(out.save[0]).toMatchObject({ source: "config", spec: { every_s: 5 } });
  expect(out.notes[0]).toContain("defined in the config now");
});
