/**
 * Shared-memory slots for large frame values (SPEC §12): a producer copies an array's bytes
 * once into a slot file, a consumer maps that file and reads in place; only a descriptor
 * (file, offset, length, dtype, shape) crosses the socket.
 *
 * Files are `<arrays dir>/<prefix>s<serial>`, where the prefix is the session's
 * (`gaia-<instance>-p<token>`) plus the producer's (`n<node>o<port>` or `i<input>`), so the
 * runtime removes a session's files with one sweep by prefix and a start-up sweep of dead
 * instances catches what a kill -9 left (src/arrays/files.ts).
 *
 * Why slots are reused, never truncated, and sized in powers of two:
 * - a fresh tmpfs page costs a fault and a zeroed page on first touch (about 16 µs per 4 KiB
 *   page measured on these VMs): a slot that comes back has its pages, so a steady stream of
 *   frames costs one memcpy each;
 * - a file that shrinks under a mapping kills the mapper with SIGBUS, and `Bun.mmap` cannot
 *   map an empty file: a slot keeps its size for life, and frames under 64 KiB never use one;
 * - rounding sizes up to a power of two lets frames of varying size reuse slots; the pages a
 *   smaller frame leaves untouched cost no memory (tmpfs allocates on write; posix_fallocate
 *   reserves them up front so a full /dev/shm is an error here, not a SIGBUS later).
 * A slot is free again once every consumer it went to has released its frame (the credit
 * that comes back): at most `capacity` frames are in flight per channel, so a producer holds
 * about `capacity + 2` slots. Free slots beyond that are unlinked (consumers' mappings of
 * an unlinked file stay valid; names are never reused).
 */
import { join } from "node:path";
import { createArrayFile, removeArrayFile } from "../arrays/files.ts";
import { reserve } from "../../workers/reserve.ts";

/** Arrays, TypedArrays and bytes of at least this many bytes travel through shared memory. */
export const SHM_MIN_BYTES = 64 * 1024;

export type Slot = { file: string; size: number; map: Uint8Array; refs: number };
export type Placed = { file: string; offset: number; length: number };

export class SlotPool {
  private readonly free: Slot[] = [];
  private count = 0;
  private serial = 0;

  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    /** How many slots to keep (in use or free) before free ones are unlinked. */
    private readonly keep: number,
  ) {}

  /** Copies `bytes` into a free slot (or a new one); the slot starts with no holder. */
  write(bytes: Uint8Array): Slot {
    const slot = this.take(bytes.length);
    slot.map.set(bytes);
    return slot;
  }

  /** One holder is done with the slot; the last one frees it. */
  release(slot: Slot): void {
    if (--slot.refs > 0) return;
    if (this.count > this.keep) {
      this.count--;
      removeArrayFile(join(this.dir, slot.file));
      return;
    }
    this.free.push(slot);
  }

  get files(): number {
    return this.count;
  }

  /**
   * The session is over (its files are swept): let go of the mappings, whose pages an
   * unlinked file keeps until the last one goes (Bun unmaps when they are collected).
   */
  forget(): void {
    this.free.length = 0;
  }

  private take(bytes: number): Slot {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const s = this.free[i]!;
      if (s.size >= bytes && (best < 0 || s.size < this.free[best]!.size)) best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0]!;
    const size = Math.max(SHM_MIN_BYTES, 2 ** Math.ceil(Math.log2(bytes)));
    const file = `${this.prefix}s${this.serial++}`;
    const path = join(this.dir, file);
    try {
      createArrayFile(path, size, reserve);
    } catch (err) {
      const errno = (err as { reserveErrno?: number }).reserveErrno;
      if (errno === undefined) throw err;
      throw new Error(`cannot get ${size} bytes of shared memory in ${this.dir} for a frame (errno ${errno}${errno === 28 ? ", no space left" : ""})`);
    }
    this.count++;
    return { file, size, map: Bun.mmap(path, { shared: true }), refs: 0 };
  }
}

/**
 * A consumer's mappings of its producers' slot files, most recently used kept. Names are
 * checked before any file is opened: a frame may only name a file of its own session in the
 * arrays dir (no path, no other prefix), and a range inside that file.
 */
export class SlotMaps {
  private readonly maps = new Map<string, Uint8Array>();

  constructor(
    private readonly dir: string,
    private readonly accept: string,
    private readonly limit: number,
  ) {}

  /** The bytes a descriptor names; throws a one-line error for a descriptor it refuses. */
  bytes(file: unknown, offset: unknown, length: unknown): Uint8Array {
    if (typeof file !== "string" || !file.startsWith(this.accept) || !/^[A-Za-z0-9-]+$/.test(file)) {
      throw new Error(`a frame names shared-memory file ${JSON.stringify(file)}, which is not one of this session's`);
    }
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || (offset as number) < 0 || (length as number) < 0) {
      throw new Error(`a frame names a bad range of ${file}: offset ${offset}, length ${length}`);
    }
    let map = this.maps.get(file);
    if (map) this.maps.delete(file);
    else map = this.open(file);
    this.maps.set(file, map);
    if (this.maps.size > this.limit) this.maps.delete(this.maps.keys().next().value!);
    const end = (offset as number) + (length as number);
    if (end > map.length) throw new Error(`a frame names bytes ${offset}..${end} of ${file}, which has ${map.length}`);
    return map.subarray(offset as number, end);
  }

  /** The session is over: let go of every mapping (see SlotPool.forget). */
  forget(): void {
    this.maps.clear();
  }

  private open(file: string): Uint8Array {
    try {
      // Shared, not private: a private (copy-on-write) mapping that a node wrote to would
      // keep its own copy of those pages and show stale bytes when the slot comes back.
      return Bun.mmap(join(this.dir, file), { shared: true });
    } catch (err) {
      throw new Error(`cannot map ${file} named by a frame: ${(err as Error).message}`);
    }
  }
}
