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
/** The pid of the (pretend) worker that made the outputs. */
const PID = 4242;
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

/** An upload whose bytes are all in (`array.create` then `array.commit`). */
const uploaded = (shape: number[]) => {
  const row = store.create("uint8", shape, "upload");
  if ("status" in row) throw new Error(row.message);
  return store.commit(row.name)!;
};

const output = (attempt: number, index: number, bytes: number) => {
  const name = outputName(INSTANCE, JOB, attempt, PID, index);
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
      ["not this job's", { x: { name: outputName(INSTANCE, JOB, 2, PID, 0), dtype: "float32", shape: [4] } }],
      ["not this job's", { x: { name: outputName(INSTANCE, JOB, 1, PID + 1, 0), dtype: "float32", shape: [4] } }],
      ["not this job's", { x: { name, dtype: "float32", shape: [4] }, y: { name, dtype: "float32", shape: [4] } }],
      ["bytes on disk", { x: { name, dtype: "float64", shape: [4] } }],
      ["bytes on disk", { x: { name: outputName(INSTANCE, JOB, 1, PID, 7), dtype: "uint8", shape: [3] } }],
    ];
    for (const [phrase, outputs] of cases) {
      const refused = store.adoptOutputs(JOB, 1, PID, outputs as never);
      expect({ phrase, refused }).toMatchObject({ phrase, refused: { code: "ArrayError", message: expect.stringContaining(phrase) } });
    }
    expect(store.count).toBe(0);
    expect(store.adoptOutputs(JOB, 1, PID, { x: { name, dtype: "float32", shape: [2, 2] } })).toEqual({ x: name });
    expect(store.get(name)).toMatchObject({ dtype: "float32", shape: [2, 2], byte_length: 16, job: JOB });
    expect(store.adoptOutputs(JOB, 1, PID, { again: { name, dtype: "float32", shape: [4] } })).toMatchObject({ code: "ArrayError" });
  });

  test("outputs beyond the cap are refused as array_limit_exceeded; discarding sweeps the job's files", () => {
    const big = output(1, 0, 17 * MiB);
    expect(store.adoptOutputs(JOB, 1, PID, { x: { name: big, dtype: "uint8", shape: [17 * MiB] } })).toMatchObject({ status: 507, code: "array_limit_exceeded" });
    output(2, 0, 8);
    store.discardOutputs(JOB);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("files nobody owns", () => {
  test("a late result's files of that worker go; another worker's do not", () => {
    const late = output(1, 0, 8);
    const other = outputName(INSTANCE, JOB, 1, PID + 1, 0);
    writeFileSync(join(dir, other), new Uint8Array(8));
    store.discardIgnored(JOB, PID, { x: { name: late, dtype: "uint8", shape: [8] }, y: { name: other, dtype: "uint8", shape: [8] }, z: { name: "../etc", dtype: "uint8", shape: [1] } });
    expect(readdirSync(dir)).toEqual([other]);
  });

  test("the stray collector removes output files of settled jobs that belong to no array", () => {
    const kept = output(1, 0, 8);
    store.adoptOutputs(JOB, 1, PID, { k: { name: kept, dtype: "uint8", shape: [8] } });
    const stray = output(2, 0, 8);
    expect(store.collectStrays((id) => id === JOB)).toBe(0); // its job still runs
    expect(store.collectStrays(() => false)).toBe(1);
    expect(readdirSync(dir)).toEqual([kept]);
    expect(existsSync(join(dir, stray))).toBe(false);
  });
});

describe("holds, deletes, TTL and purge", () => {
  test("a held upload is 409 to delete and never expires; released, it expires after ttl_s", () => {
    const row = uploaded([10]);
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
    store.adoptOutputs(JOB, 1, PID, { k: { name: kept, dtype: "uint8", shape: [8] }, g: { name: gone, dtype: "uint8", shape: [8] } });
    store.hold({ x: kept });
    expect(store.dropPurgedOutputs()).toBe(1); // the jobs table has no such job: it was purged
    expect(store.get(gone)).toBeNull();
    expect(store.get(kept)).toMatchObject({ job: null });
    expect(existsSync(store.path(kept))).toBe(true);
  });
});

describe("spares", () => {
  test("a removed array of 1 MiB or more becomes a spare within a quarter of the cap; the cap counts it and evicts it first", () => {
    const a = uploaded([2 * MiB]);
    const b = uploaded([3 * MiB]);
    const small = uploaded([1000]);
    store.delete(a.name);
    store.delete(b.name); // 2 + 3 MiB > 16 MiB / 4: unlinked instead
    store.delete(small.name);
    expect(store.spares.bytes).toBe(2 * MiB);
    expect(readdirSync(dir)).toEqual([expect.stringMatching(new RegExp(`^gaia-${INSTANCE}-z${2 * MiB}n[0-9a-f]+$`))]);
    expect(store.create("uint8", [15 * MiB], "upload")).toMatchObject({ byte_length: 15 * MiB });
    expect(store.spares.bytes).toBe(0);
    expect(readdirSync(dir).some((f) => f.includes("-z"))).toBe(false);
  });

  test("a local allocation never becomes a spare: its client may still map the file", () => {
    const local = store.create("uint8", [2 * MiB], "local") as { name: string };
    store.delete(local.name);
    expect(store.spares.bytes).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  test("spares a worker took are forgotten once their files are gone", () => {
    const a = uploaded([2 * MiB]);
    store.delete(a.name);
    const [spare] = readdirSync(dir);
    rmSync(join(dir, spare!));
    store.discardOutputs(JOB);
    expect(store.spares.bytes).toBe(2 * MiB); // nothing of JOB's was swept: no reason to look
    output(1, 0, 8);
    store.discardOutputs(JOB);
    expect(store.spares.bytes).toBe(0);
  });

  test("a new store (an IO engine restarted in the same run) counts this run's spares again", () => {
    const a = uploaded([2 * MiB]);
    store.delete(a.name);
    const again = new ArrayStore(db, { dir, maxBytes: 16 * MiB, ttlS: 60, instance: INSTANCE }, () => {});
    expect(again.spares.bytes).toBe(2 * MiB);
  });
});

describe("uploads and spares", () => {
  test("an upload takes a spare of its size (its bytes move from spare to used); a local allocation never does", () => {
    const a = uploaded([2 * MiB]);
    store.delete(a.name);
    expect(store.spares.bytes).toBe(2 * MiB);
    const local = store.create("uint8", [2 * MiB], "local") as { name: string };
    expect(store.spares.bytes).toBe(2 * MiB);
    const upload = uploaded([2 * MiB]);
    expect(store.spares.bytes).toBe(0);
    expect(store.usedBytes).toBe(4 * MiB);
    expect(readdirSync(dir).sort()).toEqual([local.name, upload.name].sort());
  });
});
