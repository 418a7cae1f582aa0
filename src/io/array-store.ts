/**
 * The array store (SPEC §6), kept by the IO engine: which array files exist, who holds them,
 * and when they go. Every array has a row in the journal's `arrays` table; the bytes are a
 * file under arrays.dir that no gaia process ever sends through a socket.
 *
 * Lifetimes:
 * - an upload is `writing` while its route streams the request body into it, then
 *   `ready`; one that no queued or running job names goes `ttl_s` after it was last used;
 * - a job's outputs belong to the job: registered when it succeeds, removed with it when it
 *   is purged; an attempt that does not succeed leaves nothing (its files are swept by name);
 * - arrays live for one run of gaia (they are memory): rows of an earlier instance are
 *   dropped at start, their files removed with every other dead instance's.
 *
 * The total of byte_length over all rows stays within max_bytes: a create beyond it is a
 * 507, and so is a job whose outputs would cross it (the job fails, its outputs go).
 */
import type { Database } from "bun:sqlite";
import { byteLength, checkArraySpec, type ArrayInfo, type Dtype } from "../arrays/dtypes.ts";
import { createArrayFile, listDir, removeArrayFile, sweepDeadInstances, sweepPrefix } from "../arrays/files.ts";
import { arrayPath, isArrayName, jobOutputsPrefix, outputPrefix, uploadName } from "../arrays/names.ts";
import type { OutputArray } from "../protocol/messages.ts";
import { SparePool } from "./spare-pool.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS arrays (
  name TEXT PRIMARY KEY, instance TEXT NOT NULL, dtype TEXT NOT NULL, shape TEXT NOT NULL,
  byte_length INTEGER NOT NULL, state TEXT NOT NULL, origin TEXT NOT NULL, job TEXT,
  created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS arrays_job ON arrays(job) WHERE job IS NOT NULL;
`;

export type ArrayState = "writing" | "ready";
/** Where an array came from: a local allocation's file may still be mapped by its client, so it never becomes a spare. */
export type ArrayOrigin = "upload" | "local" | "output";
export type ArrayRow = ArrayInfo & { state: ArrayState; origin: ArrayOrigin; job: string | null; created_at: number; last_used_at: number };
type DbRow = { name: string; dtype: Dtype; shape: string; byte_length: number; state: ArrayState; origin: ArrayOrigin; job: string | null; created_at: number; last_used_at: number };

export type StoreError = { status: number; code: string; message: string };
export type ArraySettings = { dir: string; maxBytes: number; ttlS: number; instance: string };

const fromDb = (r: DbRow): ArrayRow => ({ ...r, shape: JSON.parse(r.shape) as number[] });
export const arrayInfo = (r: ArrayRow): ArrayInfo => ({ name: r.name, dtype: r.dtype, shape: r.shape, byte_length: r.byte_length });

export class ArrayStore {
  private readonly rows = new Map<string, ArrayRow>();
  /** Array name → how many queued or running jobs name it as an input. */
  private readonly holds = new Map<string, number>();
  private used = 0;
  /** Removed files kept for reuse: they count against max_bytes and go first when room is needed. */
  readonly spares: SparePool;

  constructor(
    private readonly db: Database,
    readonly settings: ArraySettings,
    private readonly log: (line: string) => void,
  ) {
    // Arrays live for one run: a table of an older layout holds nothing worth migrating.
    const columns = db.query(`PRAGMA table_info(arrays)`).all() as { name: string }[];
    if (columns.length > 0 && !columns.some((c) => c.name === "origin")) db.exec(`DROP TABLE arrays`);
    db.exec(SCHEMA);
    // Spares never take more than a quarter of the cap, nor room arrays need.
    this.spares = new SparePool(settings.dir, settings.instance, () => Math.min(settings.maxBytes / 4, settings.maxBytes - this.used));
    const stale = db.query(`SELECT COUNT(*) AS n FROM arrays WHERE instance != ?`).get(settings.instance) as { n: number };
    if (stale.n > 0) {
      db.query(`DELETE FROM arrays WHERE instance != ?`).run(settings.instance);
      log(`arrays: forgot ${stale.n} array(s) of an earlier run of gaia (arrays live in memory for one run)`);
    }
    for (const row of db.query(`SELECT * FROM arrays`).all() as DbRow[]) this.remember(fromDb(row));
    this.spares.adopt(listDir(settings.dir));
    const swept = sweepDeadInstances(settings.dir, settings.instance);
    if (swept.length > 0) log(`arrays: removed ${swept.length} file(s) of gaia instances that are no longer running from ${settings.dir}`);
  }

  get usedBytes(): number {
    return this.used;
  }

  get count(): number {
    return this.rows.size;
  }

  path(name: string): string {
    return arrayPath(this.settings.dir, name);
  }

  get(name: string): ArrayRow | null {
    return this.rows.get(name) ?? null;
  }

  list(): ArrayRow[] {
    return [...this.rows.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** A new upload's file, sized and empty; `ready` at once for a local zero-copy allocation. */
  create(dtype: Dtype, shape: number[], origin: "upload" | "local"): ArrayRow | StoreError {
    const bytes = byteLength(dtype, shape);
    const name = uploadName(this.settings.instance, Bun.randomUUIDv7());
    // An upload overwrites every byte, so a spare's old contents never show, and its pages,
    // already touched, make the write several times faster; its bytes were counted already.
    // A local allocation gets a new, zeroed file.
    const claimed = origin === "upload" && this.spares.claim(bytes, this.path(name));
    if (!claimed) {
      const room = this.room(bytes);
      if (room) return room;
      try {
        createArrayFile(this.path(name), bytes);
      } catch (err) {
        return { status: 507, code: "arrays_unavailable", message: `cannot create an array file in ${this.settings.dir}: ${(err as Error).message}` };
      }
    }
    const now = Date.now();
    const state: ArrayState = origin === "local" ? "ready" : "writing";
    const row: ArrayRow = { name, dtype, shape, byte_length: bytes, state, origin, job: null, created_at: now, last_used_at: now };
    this.insert(row);
    return row;
  }


  commit(name: string): ArrayRow | null {
    const row = this.rows.get(name);
    if (!row) return null;
    if (row.state !== "ready") {
      row.state = "ready";
      this.db.query(`UPDATE arrays SET state = 'ready' WHERE name = ?`).run(name);
    }
    return row;
  }

  /** Deletes an array no job holds; an upload still being written goes only through its own request. */
  delete(name: string): ArrayRow | StoreError {
    const row = this.rows.get(name);
    if (!row) return notFound(name);
    const held = this.holds.get(name) ?? 0;
    if (held > 0) return { status: 409, code: "array_in_use", message: `array ${name} is an input of ${held} queued or running job(s); delete it once they end` };
    this.remove(row);
    return row;
  }

  /** Why a job's inputs cannot be used (400), or null when every one is a ready array. */
  checkInputs(inputs: Record<string, string>): StoreError | null {
    for (const [key, name] of Object.entries(inputs)) {
      if (!isArrayName(name)) return { status: 400, code: "invalid_array", message: `arrays.${key}: '${name}' is not an array name gaia generated (see GET /v1/arrays)` };
      const row = this.rows.get(name);
      if (!row) return { status: 400, code: "unknown_array", message: `arrays.${key}: no array '${name}' (it was deleted, expired, or belongs to an earlier run)` };
      if (row.state !== "ready") return { status: 400, code: "array_not_ready", message: `arrays.${key}: array '${name}' is still being uploaded` };
    }
    return null;
  }

  hold(inputs: Record<string, string>): void {
    for (const name of Object.values(inputs)) this.holds.set(name, (this.holds.get(name) ?? 0) + 1);
  }

  release(inputs: Record<string, string>): void {
    const now = Date.now();
    for (const name of Object.values(inputs)) {
      const n = (this.holds.get(name) ?? 1) - 1;
      if (n > 0) this.holds.set(name, n);
      else this.holds.delete(name);
      const row = this.rows.get(name);
      if (row) row.last_used_at = now;
    }
  }

  /**
   * A succeeded attempt's outputs become the job's result arrays, or the reason they cannot:
   * a file that is not this attempt's, a size that disagrees, or the cap.
   */
  adoptOutputs(jobId: string, attempt: number, pid: number, outputs: Record<string, OutputArray>): Record<string, string> | StoreError {
    const prefix = outputPrefix(this.settings.instance, jobId, attempt, pid);
    const rows: ArrayRow[] = [];
    const now = Date.now();
    for (const [key, out] of Object.entries(outputs)) {
      // A worker is a peer, not trusted code of the engine's: check what it says before using it.
      const spec = checkArraySpec(out.dtype, out.shape);
      if (!spec.ok) return { status: 500, code: "ArrayError", message: `output '${key}': ${spec.message}` };
      const expected = byteLength(spec.dtype, spec.shape);
      if (!out.name.startsWith(prefix) || !isArrayName(out.name) || this.rows.has(out.name) || rows.some((r) => r.name === out.name)) return { status: 500, code: "ArrayError", message: `output '${key}' names a file that is not this job's, or one named twice (${out.name})` };
      const size = Bun.file(this.path(out.name)).size;
      if (size !== expected) return { status: 500, code: "ArrayError", message: `output '${key}' has ${size} bytes on disk, ${expected} expected for ${out.dtype} ${JSON.stringify(out.shape)}` };
      rows.push({ name: out.name, dtype: spec.dtype, shape: spec.shape, byte_length: expected, state: "ready", origin: "output", job: jobId, created_at: now, last_used_at: now });
    }
    // Spares the worker took are known by their absence (what it says of them is not trusted).
    if (Object.values(outputs).some((o) => o.spare)) this.spares.reconcile();
    const room = this.room(rows.reduce((n, r) => n + r.byte_length, 0));
    if (room) return { ...room, code: "array_limit_exceeded" };
    for (const row of rows) this.insert(row);
    return Object.fromEntries(Object.keys(outputs).map((key, i) => [key, rows[i]!.name]));
  }

  /** An attempt that did not succeed: none of its output files stay. */
  discardOutputs(jobId: string): void {
    // Rows exist only if the job had succeeded: an IO engine killed before that state was
    // written sees it as lost after its restart, and its outputs go with the attempt.
    for (const row of this.db.query(`SELECT name FROM arrays WHERE job = ?`).all(jobId) as { name: string }[]) {
      const held = this.rows.get(row.name);
      if (held) this.remove(held, false);
    }
    const swept = sweepPrefix(this.settings.dir, jobOutputsPrefix(this.settings.instance, jobId));
    if (swept.length > 0) this.spares.reconcile();
  }

  /**
   * Files a result gaia ignored names (a worker's late result for a job settled otherwise):
   * those that are that worker's outputs of that job and belong to no array go.
   */
  discardIgnored(jobId: string, pid: number, outputs: Record<string, OutputArray>): void {
    const mine = new RegExp(`^${jobOutputsPrefix(this.settings.instance, jobId)}\\d+w${pid}o\\d+$`);
    for (const out of Object.values(outputs)) {
      if (typeof out?.name === "string" && mine.test(out.name) && !this.rows.has(out.name)) removeArrayFile(this.path(out.name));
    }
    this.spares.reconcile();
  }

  /**
   * The backstop: output files of this run whose job is neither queued nor running and that
   * belong to no array (a worker that wrote one after its job was settled, then died).
   */
  collectStrays(isActive: (jobId: string) => boolean): number {
    const ours = new RegExp(`^gaia-${this.settings.instance}-([0-9a-f]{32})a\\d+w\\d+o\\d+$`);
    let removed = 0;
    for (const file of listDir(this.settings.dir)) {
      const m = ours.exec(file);
      if (!m || this.rows.has(file) || isActive(uuidOf(m[1]!))) continue;
      removeArrayFile(this.path(file));
      removed++;
    }
    if (removed > 0) this.log(`arrays: removed ${removed} output file(s) of settled jobs that belonged to no array`);
    return removed;
  }

  /** Outputs whose job was purged from the journal go too (unless a queued job still names one). */
  dropPurgedOutputs(): number {
    const orphans = this.db.query(`SELECT name FROM arrays WHERE job IS NOT NULL AND job NOT IN (SELECT id FROM jobs)`).all() as { name: string }[];
    let dropped = 0;
    for (const { name } of orphans) {
      const row = this.rows.get(name);
      if (!row) continue;
      if ((this.holds.get(name) ?? 0) > 0) {
        // Still an input: it lives on as an upload would, under the TTL.
        row.job = null;
        this.db.query(`UPDATE arrays SET job = NULL WHERE name = ?`).run(name);
        continue;
      }
      this.remove(row);
      dropped++;
    }
    return dropped;
  }

  /** Uploads that no job holds and nobody used for ttl_s; uploads stuck `writing` as long. */
  expire(now: number): number {
    const limit = now - this.settings.ttlS * 1000;
    let expired = 0;
    for (const row of [...this.rows.values()]) {
      if (row.job !== null || (this.holds.get(row.name) ?? 0) > 0 || row.last_used_at >= limit) continue;
      this.remove(row);
      expired++;
    }
    if (expired > 0) this.log(`arrays: removed ${expired} array(s) unused for ${this.settings.ttlS} s (arrays.ttl_s)`);
    return expired;
  }

  private room(bytes: number): StoreError | null {
    const over = this.used + this.spares.bytes + bytes - this.settings.maxBytes;
    if (over > 0) this.spares.evict(over);
    if (this.used + this.spares.bytes + bytes <= this.settings.maxBytes) return null;
    return {
      status: 507,
      code: "arrays_full",
      message: `${bytes} more bytes would exceed arrays.max_bytes (${this.settings.maxBytes} bytes; ${this.used} in use by ${this.rows.size} array(s)); delete arrays or raise the limit`,
    };
  }

  private insert(row: ArrayRow): void {
    this.db
      .query(`INSERT INTO arrays (name, instance, dtype, shape, byte_length, state, origin, job, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(row.name, this.settings.instance, row.dtype, JSON.stringify(row.shape), row.byte_length, row.state, row.origin, row.job, row.created_at, row.last_used_at);
    this.remember(row);
  }

  private remember(row: ArrayRow): void {
    this.rows.set(row.name, row);
    this.used += row.byte_length;
  }

  /** Removes an array; its file becomes a spare when it may (see src/arrays/spares.ts). */
  private remove(row: ArrayRow, spare = true): void {
    const reusable = spare && row.state === "ready" && row.origin !== "local";
    if (!reusable || !this.spares.keep(this.path(row.name), row.byte_length)) removeArrayFile(this.path(row.name));
    this.db.query(`DELETE FROM arrays WHERE name = ?`).run(row.name);
    this.rows.delete(row.name);
    this.used -= row.byte_length;
  }
}

/** A job id from the hex of a file name: 8-4-4-4-12. */
const uuidOf = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

const notFound = (name: string): StoreError => ({ status: 404, code: "not_found", message: `no array '${name}'` });
