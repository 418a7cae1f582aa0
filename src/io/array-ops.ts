/**
 * The array operations the API asks of the IO engine (`req` → `res`), beside ops.ts. The API
 * has checked dtype and shape; names are checked here against the store, never used as paths.
 */
import type { Dtype } from "../arrays/dtypes.ts";
import { isArrayName } from "../arrays/names.ts";
import { arrayInfo, type ArrayStore, type StoreError } from "./array-store.ts";
import type { Reply } from "./ops.ts";

const fail = (reply: Reply, e: StoreError) => reply(e.status, { error: { code: e.code, message: e.message } });
const isError = (v: object): v is StoreError => "status" in v;

export class ArrayOps {
  constructor(private readonly store: ArrayStore) {}

  /** `{dtype, shape, local}`: a new array file; `local` ones are ready at once (SPEC §6, zero-copy). */
  create(args: { dtype: Dtype; shape: number[]; local: boolean }, reply: Reply): void {
    const row = this.store.create(args.dtype, args.shape, args.local ? "local" : "upload");
    if (isError(row)) return fail(reply, row);
    reply(201, { ...arrayInfo(row), path: this.store.path(row.name), state: row.state });
  }

  /** The upload's bytes are all in its file. */
  commit(args: { name: string }, reply: Reply): void {
    const row = this.store.commit(args.name);
    if (!row) return reply(404, { error: { code: "not_found", message: `no array '${args.name}'` } });
    reply(201, arrayInfo(row));
  }

  get(args: { name: string }, reply: Reply): void {
    const bad = this.badName(args.name);
    if (bad) return fail(reply, bad);
    const row = this.store.get(args.name);
    if (!row || row.state !== "ready") return reply(404, { error: { code: "not_found", message: `no array '${args.name}'` } });
    reply(200, { ...arrayInfo(row), path: this.store.path(row.name), job: row.job });
  }

  list(_args: unknown, reply: Reply): void {
    const arrays = this.store.list().map((r) => ({ ...arrayInfo(r), state: r.state, job: r.job, created_at: new Date(r.created_at).toISOString() }));
    reply(200, { arrays, bytes: this.store.usedBytes, spare_bytes: this.store.spares.bytes, max_bytes: this.store.settings.maxBytes });
  }

  delete(args: { name: string }, reply: Reply): void {
    const bad = this.badName(args.name);
    if (bad) return fail(reply, bad);
    const row = this.store.delete(args.name);
    if (isError(row)) return fail(reply, row);
    reply(200, { ...arrayInfo(row), deleted: true });
  }

  private badName(name: string): StoreError | null {
    if (isArrayName(name)) return null;
    return { status: 400, code: "invalid_array", message: `'${name}' is not an array name gaia generated (names look like gaia-<instance>-<id>; see GET /v1/arrays)` };
  }
}
