/**
 * The arrays' books in the PostgreSQL journal (src/io/journal/pg-arrays.ts), against a real
 * server of this file's own: each node keeps books of its own arrays, knows where another's
 * are, forgets only its own earlier runs, and a job naming arrays is taken only by their node.
 */
import { expect, test } from "bun:test";
import type { ArrayRow } from "../src/io/array-store.ts";
import { makeJob } from "./helpers/jobs.ts";
import { pgNodes } from "./helpers/journals.ts";

const pg = pgNodes("arrays", 3);
const nodes = async (count: number) => (await pg.nodes(count)).js;

const row = (name: string, over: Partial<ArrayRow> = {}): ArrayRow => ({
  name, dtype: "float32", shape: [2, 3], byte_length: 24, state: "writing", origin: "upload", job: null, created_at: 5, last_used_at: 6, ...over,
});

test("each node keeps books of its own arrays and can say where another node's are", async () => {
  const [a, b] = await nodes(2);
  const booksA = a!.arrayBooks("node-a", "run1");
  const booksB = b!.arrayBooks("node-b", "run1");
  await booksA.insert(row("x"));
  await booksA.commit("x");
  await booksB.insert(row("y", { state: "ready", origin: "local" }));
  expect(await booksA.mine()).toEqual([row("x", { state: "ready" })]);
  expect(await booksB.mine()).toEqual([row("y", { state: "ready", origin: "local" })]);
  expect([await booksB.whereIs("x"), await booksA.whereIs("y"), await booksA.whereIs("nope")]).toEqual(["node-a", "node-b", null]);
  await booksB.remove("x"); // not B's: stays
  expect(await booksA.whereIs("x")).toBe("node-a");
  await booksA.remove("x");
  expect(await booksA.whereIs("x")).toBeNull();
});

test("a node's new run forgets the arrays of its earlier runs only, never another node's", async () => {
  const [a] = await nodes(1);
  await a!.arrayBooks("node-a", "run1").insert(row("old"));
  await a!.arrayBooks("node-b", "run1").insert(row("theirs"));
  const run2 = a!.arrayBooks("node-a", "run2");
  await run2.insert(row("new"));
  expect(await run2.forgetEarlierRuns()).toBe(1);
  expect((await run2.mine()).map((r) => r.name)).toEqual(["new"]);
  expect(await run2.whereIs("theirs")).toBe("node-b");
});

test("a job's outputs are found by job, and become orphans once the job is purged", async () => {
  const [a] = await nodes(1);
  const books = a!.arrayBooks("node-a", "run1");
  const job = makeJob({ state: "succeeded", finished_at: 10 });
  await a!.insert([job]);
  await books.insert(row("out1", { origin: "output", state: "ready", job: job.id }));
  await books.insert(row("out0", { origin: "output", state: "ready", job: job.id }));
  expect(await books.ofJob(job.id)).toEqual(["out0", "out1"]);
  expect(await books.orphans()).toEqual([]);
  await a!.purge(11);
  expect(await books.orphans()).toEqual(["out0", "out1"]);
});

test("a job that names arrays is taken only by the node that holds them", async () => {
  const [a, b] = await nodes(2);
  await a!.arrayBooks("node-a", "run1").insert(row("x", { state: "ready" }));
  const pinned = makeJob({ arrays: { input: "x" }, priority: 9 });
  const free = makeJob();
  await b!.insert([pinned, free]); // submitted at another node: it still runs where x is
  expect((await b!.claim("node-b", ["default"], 10)).map((j) => j.id)).toEqual([free.id]);
  expect((await a!.claim("node-a", ["default"], 10)).map((j) => j.id)).toEqual([pinned.id]);
});
