/**
 * Acknowledging results after commit (SPEC §1): a worker forgets a result only once its job's
 * end is on disk, so an IO engine killed between receiving a result and committing it loses
 * nothing (the worker sends it again after reconnecting). The acks of one commit leave
 * together, one `ack` frame per worker.
 */
import type { Connection } from "../../protocol/connection.ts";
import type { Journal } from "../journal.ts";

export class Acks {
  private pending = new Map<Connection, string[]>();

  constructor(private readonly journal: Journal) {}

  /** Acknowledges `jobId` to `conn` after the next commit (which holds whatever its result changed). */
  add(conn: Connection, jobId: string): void {
    const ids = this.pending.get(conn);
    if (ids) return void ids.push(jobId);
    this.pending.set(conn, [jobId]);
    if (this.pending.size === 1) this.journal.afterCommit(() => this.send());
  }

  private send(): void {
    const pending = this.pending;
    this.pending = new Map();
    for (const [conn, ids] of pending) conn.send({ t: "ack", ids });
  }
}
