/**
 * The array operations the API asks of the engine (SPEC §6), beside ops.ts. The API has
 * checked dtype and shape; names are checked here against the store, never used as paths.
 */
import type { ArrayInfo, Dtype } from "../arrays/dtypes.ts";
import { isArrayName } from "../arrays/names.ts";
import { arrayInfo, type ArrayState, type ArrayStore, type StoreError } from "./array-store.ts";
import { Refusal, type RefusalStatus } from "./refusal.ts";
import type { ArrayList } from "../api/shapes/arrays.ts";

const isError = (v: object): v is StoreError => "status" in v;
const refused = (e: StoreError) => new Refusal(e.status as RefusalStatus, e.code, e.message);

export type ArrayWithPath = ArrayInfo & { path: string };

export class ArrayOps {
  constructor(
    readonly store: ArrayStore,
    /** A cluster's node whose shared memory holds an array this node does not (SPEC §13), or null. */
    private readonly elsewhere: (name: string) => string | null = () => null,
  ) {}

  /** A new array file; a `local` one is ready at once (SPEC §6, zero-copy), an upload once committed. */
  create(dtype: Dtype, shape: number[], local: boolean): ArrayWithPath & { state: ArrayState } {
    const row = this.store.create(dtype, shape, local ? "local" : "upload");
    if (isError(row)) throw refused(row);
    return { ...arrayInfo(row), path: this.store.path(row.name), state: row.state };
  }

  /** The upload's bytes are all in its file. */
  commit(name: string): ArrayInfo {
    const row = this.store.commit(name);
    if (!row) throw new Refusal(404, "not_found", `no array '${name}'`);
    return arrayInfo(row);
  }

  get(name: string): ArrayWithPath & { job: string | null } {
    this.checkName(name);
    const row = this.store.get(name);
    if (!row) {
      const node = this.elsewhere(name);
      if (node) throw new Refusal(409, "array_elsewhere", `array '${name}' is in the shared memory of node ${node}: ask that node for it`);
    }
    if (!row || row.state !== "ready") throw new Refusal(404, "not_found", `no array '${name}'`);
    return { ...arrayInfo(row), path: this.store.path(row.name), job: row.job };
  }

  /** Typed with the API's schema (src/api/shapes/arrays.ts). */
  list(): ArrayList {
    const arrays = this.store.list().map((r) => ({ ...arrayInfo(r), state: r.state, job: r.job, created_at: new Date(r.created_at).toISOString() }));
    return { arrays, bytes: this.store.usedBytes, spare_bytes: this.store.spares.bytes, max_bytes: this.store.settings.maxBytes };
  }

  delete(name: string): ArrayInfo & { deleted: true } {
    this.checkName(name);
    const row = this.store.delete(name);
    if (isError(row)) throw refused(row);
    return { ...arrayInfo(row), deleted: true };
  }

  private checkName(name: string): void {
    if (!isArrayName(name)) {
      throw new Refusal(400, "invalid_array", `'${name}' is not an array name gaia generated (names look like gaia-<instance>-<id>; see GET /v1/arrays)`);
    }
  }
}
