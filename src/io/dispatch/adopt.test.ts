import { expect, test } from "bun:test";
import type { Job } from "../job.ts";
import { adoptionPlan, unclaimedOrphan } from "./adopt.ts";

const job = (id: string, state: "queued" | "running", arrays: Record<string, string> = {}) => ({ id, state, arrays }) as Job;

test("queued jobs go back to their queues, running ones wait to be claimed, in journal order", () => {
  const plan = adoptionPlan([job("a", "queued"), job("b", "running"), job("c", "queued")], () => true);
  expect(plan.queued.map((j) => j.id)).toEqual(["a", "c"]);
  expect(plan.orphans.map((j) => j.id)).toEqual(["b"]);
  expect(plan.lost).toEqual([]);
});

test("a job whose input array is gone fails with array_lost, whatever its state", () => {
  const plan = adoptionPlan([job("a", "queued", { x: "gaia-1-aa" }), job("b", "running", { y: "gaia-1-bb" }), job("c", "queued", { z: "gaia-1-cc" })], (name) => name === "gaia-1-cc");
  expect(plan.lost.map((l) => [l.job.id, l.error.type])).toEqual([["a", "array_lost"], ["b", "array_lost"]]);
  expect(plan.lost[0]!.error.message).toContain("input array 'x' (gaia-1-aa)");
  expect(plan.queued.map((j) => j.id)).toEqual(["c"]);
});

test("an unclaimed orphan is worker_lost, or cancelled when its cancel was asked", () => {
  expect(unclaimedOrphan(false)).toMatchObject({ state: "failed", error: { type: "worker_lost" } });
  expect(unclaimedOrphan(true)).toMatchObject({ state: "cancelled", error: { type: "cancelled" } });
});
