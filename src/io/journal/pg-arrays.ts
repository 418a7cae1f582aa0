/**
 * The arrays' books in the PostgreSQL journal (SPEC §6, §13): the rows array-store.ts keeps
 * in SQLite, each naming the node whose shared memory holds the file. A node keeps books of
 * its own arrays only (its ArrayStore reads and writes those), and asks the shared table
 * where another node's array is: a job naming it is pinned to that node (pg-insert.ts), and
 * a download asked elsewhere is 409 `array_elsewhere` naming the node.
 *
 * Arrays live for one run of a node's gaia, as on one host: rows of the node's earlier runs
 * are forgotten at its start (`forgetEarlierRuns`), never another node's.
 */
import type { SQL } from "bun";
import type { ArrayRow } from "../array-store.ts";

function fromRow(r: Record<string, unknown>): ArrayRow {
  return {
    name: r.name as string,
    dtype: r.dtype as ArrayRow["dtype"],
    shape: JSON.parse(r.shape as string) as number[],
    byte_length: Number(r.byte_length),
    state: r.state as ArrayRow["state"],
    origin: r.origin as ArrayRow["origin"],
    job: r.job as string | null,
    created_at: Number(r.created_at),
    last_used_at: Number(r.last_used_at),
  };
}

export class PgArrayBooks {
  constructor(
    private readonly sql: SQL,
    /** This node: every write names it, every read of "mine" filters by it. */
    readonly node: string,
    readonly instance: string,
  ) {}

  async insert(row: ArrayRow): Promise<void> {
    await this.sql`
      INSERT INTO arrays (name, node, instance, dtype, shape, byte_length, state, origin, job, created_at, last_used_at)
      VALUES (${row.name}, ${this.node}, ${this.instance}, ${row.dtype}, ${JSON.stringify(row.shape)}, ${row.byte_length}, ${row.state}, ${row.origin}, ${row.job}, ${row.created_at}, ${row.last_used_at})`;
  }

  async commit(name: string): Promise<void> {
    await this.sql`UPDATE arrays SET state = 'ready' WHERE name = ${name} AND node = ${this.node}`;
  }

  async remove(name: string): Promise<void> {
    await this.sql`DELETE FROM arrays WHERE name = ${name} AND node = ${this.node}`;
  }

  /** This node's arrays of this run, as the ArrayStore loads them at start. */
  async mine(): Promise<ArrayRow[]> {
    return (await this.sql`SELECT * FROM arrays WHERE node = ${this.node} AND instance = ${this.instance} ORDER BY name`).map(fromRow);
  }

  /** Drops the rows of this node's earlier runs (their memory is gone); how many. */
  async forgetEarlierRuns(): Promise<number> {
    return (await this.sql`DELETE FROM arrays WHERE node = ${this.node} AND instance <> ${this.instance}`).count;
  }

  /** The outputs of a job on this node. */
  async ofJob(jobId: string): Promise<string[]> {
    return (await this.sql`SELECT name FROM arrays WHERE job = ${jobId} AND node = ${this.node} ORDER BY name`).map((r: { name: string }) => r.name);
  }

  /** This node's outputs whose job was purged from the journal. */
  async orphans(): Promise<string[]> {
    return (await this.sql`SELECT name FROM arrays a WHERE node = ${this.node} AND job IS NOT NULL AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = a.job) ORDER BY name`).map((r: { name: string }) => r.name);
  }

  /** Which node holds an array, or null when none does (the 409 `array_elsewhere` names it). */
  async whereIs(name: string): Promise<string | null> {
    const [row] = await this.sql`SELECT node FROM arrays WHERE name = ${name}`;
    return row ? (row.node as string) : null;
  }
}
