/** The migration plan (pure): what opening a database at each version must do. */
import { expect, test } from "bun:test";
import { planMigrations, type Migration } from "./migrations.ts";

const m = (version: number): Migration<null> => ({ version, name: `v${version}`, up: () => {} });
const three = [m(1), m(2), m(3)];

test("a new database gets every step, in order", () => {
  const plan = planMigrations(0, three);
  expect(plan).toMatchObject({ kind: "upgrade", from: 0, to: 3 });
  expect(plan.kind === "upgrade" && plan.steps.map((s) => s.version)).toEqual([1, 2, 3]);
});

test("an older database gets only the steps it lacks", () => {
  const plan = planMigrations(2, three);
  expect(plan.kind === "upgrade" && plan.steps.map((s) => s.version)).toEqual([3]);
});

test("a current database gets nothing, a newer one is refused", () => {
  expect(planMigrations(3, three)).toEqual({ kind: "current", version: 3 });
  expect(planMigrations(4, three)).toEqual({ kind: "too_new", found: 4, known: 3 });
});

test("a list with a gap or out of order is gaia's bug and throws", () => {
  expect(() => planMigrations(0, [m(1), m(3)])).toThrow(/position 2 holds version 3/);
  expect(() => planMigrations(0, [m(2), m(1)])).toThrow(/out of order/);
});
