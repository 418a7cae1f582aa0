/**
 * The IO engine's books on spare files (see src/arrays/spares.ts): which it made, and how
 * many bytes they hold, so that spares count against arrays.max_bytes and are the first
 * thing to go when an array needs room. Workers take spares by renaming them; the pool
 * learns it by looking (`reconcile`) after each job that made or lost outputs.
 */
import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SPARE_MIN_BYTES, spareName } from "../arrays/spares.ts";

export class SparePool {
  private readonly files = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly dir: string,
    private readonly instance: string,
    /** Bytes the pool may hold at most, given what arrays hold now. */
    private readonly budget: () => number,
  ) {}

  /** Spares a previous IO engine of this run made (it was restarted): counted again. */
  adopt(files: string[]): void {
    const prefix = `gaia-${this.instance}-z`;
    for (const file of files) {
      const m = file.startsWith(prefix) ? /^(\d+)n[0-9a-f]+$/.exec(file.slice(prefix.length)) : null;
      if (!m || this.files.has(file)) continue;
      this.files.set(file, Number(m[1]));
      this.total += Number(m[1]);
    }
  }

  get bytes(): number {
    return this.total;
  }

  /** Keeps the file at `path` as a spare if it is worth it and fits; false when it was not kept. */
  keep(path: string, bytes: number): boolean {
    if (bytes < SPARE_MIN_BYTES || this.total + bytes > this.budget()) return false;
    const name = spareName(this.instance, bytes);
    try {
      renameSync(path, join(this.dir, name));
    } catch {
      return false;
    }
    this.files.set(name, bytes);
    this.total += bytes;
    return true;
  }

  /** Renames a spare of exactly `bytes` to `target` (an upload about to be written whole); false when there is none. */
  claim(bytes: number, target: string): boolean {
    for (const [name, size] of this.files) {
      if (size !== bytes) continue;
      this.files.delete(name);
      this.total -= size;
      try {
        renameSync(join(this.dir, name), target);
        return true;
      } catch {
        // A worker took it first: try the next.
      }
    }
    return false;
  }

  /** Forgets the spares whose files are gone (workers rename them into outputs). */
  reconcile(): void {
    for (const [name, bytes] of this.files) {
      if (existsSync(join(this.dir, name))) continue;
      this.files.delete(name);
      this.total -= bytes;
    }
  }

  /** Unlinks spares, oldest first, until `bytes` are freed or none are left; returns what was freed. */
  evict(bytes: number): number {
    let freed = 0;
    for (const [name, size] of this.files) {
      if (freed >= bytes) break;
      rmSync(join(this.dir, name), { force: true });
      this.files.delete(name);
      this.total -= size;
      freed += size;
    }
    return freed;
  }
}
