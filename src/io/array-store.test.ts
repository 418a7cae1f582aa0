/** The array store's books against a real temp dir and an in-memory SQLite: no processes. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { outputName } from "../arrays/names.ts";
import { ArrayStore } from "./array-store.ts";

const MiB = 1024 * 1024;
const JOB = "01a2031d-7100-722d-9983-57d66007f049";
const INSTANCE = `${process.pid}p1`;
let dir: string;
let db: Database;
let store: ArrayStore;
const lines: string[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gaia-store-"));
  db = new Database(":memory:");
  db.exec("CREATE TABLE jobs (id TEXT PRIMARY KEY)");
  store = new ArrayStore(db, { dir, maxBytes: 16 * MiB, ttlS: 60, instance: INSTANCE }, (l) => lines.push(l));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const output = (attempt: number, index: number, bytes: number) => {
  const name = outputName(INSTANCE, JOB, attempt, index);
  writeFileSync(join(dir, name), new Uint8Array(bytes));
  return name;
};

describe("a worker's outputs are checked before they are believed", () => {
  test("a bad dtype or shape, a foreign or repeated name, or a size that disagrees fails the job's outputs", () => {
    const name = output(1, 0, 16);
    const cases: [string, object][] = [
      ["dtype must be one of", { x: { name, dtype: "float99", shape: [4] } }],
      ["shape dimensions", { x: { name, dtype: "float32", shape: [-4] } }],
      ["not this job's", { x: { name: "../../etc/passwd", dtype: "uint8", shape: [1] } }],
      ["not this job's", { x: { name: outputName(INSTANCE, JOB, 2, 0), dtype: "float32", shape: [4] } }],
      ["not this job's", { x: { name, dtype: "float32", shape: [4] }, y: { name, dtype: "float32", shape: [4] } }],
      ["bytes on disk", { x: { name, dtype: "float64", shape: [4] } }],
      ["bytes on disk", { x: { name: outputName(INSTANCE, JOB, 1, 7), dtype: "uint8", shape: [3] } }],
    ];
    for (const [phrase, outputs] of cases) {
      const refused = store.adoptOutputs(JOB, 1, outputs as never);
      expect({ phrase, refused }).toMatchObject({ phrase, refused: { code: "ArrayError", message: expect.stringContaining(phrase) } });
    }
    expect(store.count).toBe(0);
    expect(store.adoptOutputs(JOB, 1, { x: { name, dtype: "float32", shape: [2, 2] } })).toEqual({ x: name });
    expect(store.get(name)).toMatchObject({ dtype: "float32", shape: [2, 2], byte_length: 16, job: JOB });
    expect(store.adoptOutputs(JOB, 1, { again: { name, dtype: "float32", shape: [4] } })).toMatchObject({ code: "ArrayError" });
  });

  test("outputs beyond the cap are refused as array_limit_exceeded; discarding sweeps the job's files", () => {
    const big = output(1, 0, 17 * MiB);
    expect(store.adoptOutputs(JOB, 1, { x: { name: big, dtype: "uint8", shape: [17 * MiB] } })).toMatchObject({ status: 507, code: "array_limit_exceeded" });
    output(2, 0, 8);
    store.discardOutputs(JOB);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("holds, deletes, TTL and purge", () => {
  test("a held upload is 409 to delete and never expires; released, it expires after ttl_s", () => {
    const row = store.create("uint8", [10], "ready");
    if ("status" in row) throw new Error(row.message);
    store.hold({ a: row.name, b: row.name });
    expect(store.delete(row.name)).toMatchObject({ status: 409 });
    expect(store.expire(Date.now() + 3600_000)).toBe(0);
    store.release({ a: row.name });
    expect(store.delete(row.name)).toMatchObject({ status: 409 });
    store.release({ b: row.name });
    expect(store.expire(Date.now() + 30_000)).toBe(0);
    expect(store.expire(Date.now() + 61_000)).toBe(1);
    expect(existsSync(store.path(row.name))).toBe(false);
  });

  test("a purged job's outputs go, unless a queued job still names one", () => {
    const kept = output(1, 0, 8);
    const gone = output(1, 1, 8);
    store.adoptOutputs(JOB, 1, { k: { name: kept, dtype: "uint8", shape: [8] }, g: { name: gone, dtype: "uint8", shape: [8] } });
    store.hold({ x: kept });
    expect(store.dropPurgedOutputs()).toBe(1); // the jobs table has no such job: it was purged
    expect(store.get(gone)).toBeNull();
    expect(store.get(kept)).toMatchObject({ job: null });
    expect(existsSync(store.path(kept))).toBe(true);
  });
});

describe("spares", () => {
  test("a removed array of 1 MiB or more becomes a spare within a quarter of the cap; the cap counts it and evicts it first", () => {
    const a = store.create("uint8", [2 * MiB], "ready") as { name: string };
    const b = store.create("uint8", [3 * MiB], "ready") as { name: string };
    const small = store.create("uint8", [1000], "ready") as { name: string };
    store.delete(a.name);
    store.delete(b.name); // 2 + 3 MiB > 16 MiB / 4: unlinked instead
    store.delete(small.name);
    expect(store.spares.bytes).toBe(2 * MiB);
    expect(readdirSync(dir)).toEqual([expect.stringMatching(new RegExp(`^gaia-${INSTANCE}-z${2 * MiB}n[0-9a-f]+$`))]);
    expect(store.create("uint8", [15 * MiB], "ready")).toMatchObject({ byte_length: 15 * MiB });
    expect(store.spares.bytes).toBe(0);
    expect(readdirSync(dir).some((f) => f.includes("-z"))).toBe(false);
  });

  test("a new store (an IO engine restarted in the same run) counts this run's spares again", () => {
    const a = store.create("uint8", [2 * MiB], "ready") as { name: string };
    store.delete(a.name);
    const again = new ArrayStore(db, { dir, maxBytes: 16 * MiB, ttlS: 60, instance: INSTANCE }, () => {});
    expect(again.spares.bytes).toBe(2 * MiB);
  });
});
