/**
 * Arrays in a cluster (SPEC §13): they stay in the shared memory of the node that made them.
 * A node tells where an array is from its name (the instance of the run that made it,
 * src/arrays/names.ts) and the instances the nodes renew their leases with. It also keeps
 * the holds of jobs given back to the queue that are pinned here, through their wait.
 */
import { fileInstance } from "../../arrays/names.ts";
import type { Job } from "../job.ts";
import type { NodeLease } from "../journal/interface.ts";

export class NodeArrays {
  /** Jobs given back to the queue whose input arrays stay held here (keeps). */
  private readonly kept = new Set<string>();

  constructor(
    private readonly self: string,
    /** The nodes as last read (lease.ts reads them every WATCH_MS). */
    private readonly nodes: () => readonly NodeLease[],
  ) {}

  /** The other node whose run made the array `name`, or null (it is here, or nowhere). */
  holderOf(name: string): string | null {
    const instance = fileInstance(name)?.id;
    if (!instance) return null;
    const node = this.nodes().find((n) => (n.info as { instance?: string } | null)?.instance === instance);
    return node && node.name !== this.self ? node.name : null;
  }

  /** The other node that holds a job's input arrays (they are one run's), or null. */
  holderOfAll(arrays: Record<string, string>): string | null {
    const first = Object.values(arrays)[0];
    return first === undefined ? null : this.holderOf(first);
  }

  /**
   * A job given back to the queue (a retry) that names arrays keeps them held: it is pinned
   * here, so only this node takes it again, and its inputs must not expire in its wait.
   */
  keeps(job: Job): boolean {
    if (Object.keys(job.arrays).length === 0) return false;
    this.kept.add(job.id);
    return true;
  }

  /** The job is taken again: whether its arrays were kept held (the engine's accept holds them once more). */
  retaken(id: string): boolean {
    return this.kept.delete(id);
  }
}
