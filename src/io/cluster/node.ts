/**
 * This IO engine as a node of a cluster (SPEC §13): the shared journal in PostgreSQL, and
 * the parts that keep this node's engine and it in step.
 *
 * The engine runs as on one host, on a journal of its own (the node's working copy, in
 * `<data_dir>/node/`, beside its events, schedules and arrays): it holds only the jobs this
 * node claimed, from their claim to their end. The shared journal is the truth: a job is
 * inserted there at submission (cluster-ops.ts), claimed there (claimer.ts), and every state
 * the engine gives it is written there, fenced by the claimed attempt (mirror.ts). A job
 * that goes back to the queue (a retry) is given back to the shared queue, for any node.
 * At start the node renews its lease before anything else, then squares its working copy
 * with the shared journal (working-copy.ts).
 */
import type { SQL } from "bun";
import { join } from "node:path";
import { clusterOf } from "../../config/cluster.ts";
import type { Config } from "../../config/schema.ts";
import type { Engine } from "../dispatch/engine.ts";
import type { EventBus } from "../events/bus.ts";
import { isTerminal, type Job } from "../job.ts";
import type { Journal } from "../journal.ts";
import { allNodes, endLease, QUEUED_CHANNEL } from "../journal/pg-cluster.ts";
import type { NodeLease } from "../journal/interface.ts";
import { PgJournal } from "../journal/pg-journal.ts";
import { rescueByRetryPolicy } from "../journal/rescue-policy.ts";
import type { Ledger } from "../ledger.ts";
import type { Ops } from "../ops.ts";
import { Claimer } from "./claimer.ts";
import { dropJob, roomByPool, trackMean } from "./engine-jobs.ts";
import { ClusterOps } from "./cluster-ops.ts";
import { LeaseKeeper } from "./lease.ts";
import { Mirror } from "./mirror.ts";
import type { NodeView, NodesSource } from "./node-view.ts";
import { nodeInfo, nodeView, type NodeInfo } from "./node-info.ts";
import { reconcileWorkingCopy } from "./working-copy.ts";
import { NodeArrays } from "./node-arrays.ts";
import { CANCEL_CHANNEL, cancelsAsked, DONE_CHANNEL, type FencedWrite, heldBy, jobsByIds, queuedByPool } from "./pg-batch.ts";
import { RemoteWaiters } from "./remote-waiters.ts";

const CANCEL_POLL_MS = 1000;
const DEPTH_EVERY_MS = 1000;
const CLOSE_WAIT_MS = 3000;

/** The node's working copy of its jobs: apart from a one-host journal in the same data dir. */
export const nodeDataDir = (dataDir: string) => join(dataDir, "node");

export type Attached = { engine: Engine; ledger: Ledger; ops: Ops; bus: EventBus };

export class ClusterNode implements NodesSource {
  /** The attempt this node claimed, per job it holds: the fence of each write (mirror.ts). */
  private readonly expected = new Map<string, number>();
  private readonly startedAt = new Date().toISOString();
  private parts: (Attached & { mirror: Mirror; claimer: Claimer }) | null = null;
  private depths = new Map<string, number>();
  /** A moving mean of each pool's jobs' run time here (ms), for how far ahead to claim. */
  private readonly meanMs = new Map<string, number>();
  private readonly rewrites: FencedWrite[] = []; // what a lost engine left unwritten (reconcile), written at attach
  /** Where arrays are, and the holds of retries pinned here (node-arrays.ts). */
  readonly arrays: NodeArrays;
  /** The nodes as last read (every WATCH_MS, lease.ts). */
  private known: NodeLease[] = [];
  private timers: ReturnType<typeof setInterval>[] = [];
  readonly lease: LeaseKeeper;

  private constructor(
    readonly journal: PgJournal,
    readonly name: string,
    private readonly config: Config,
    private readonly version: string,
    /** This run's instance, in the names of its arrays (src/arrays/names.ts): how others find where an array is. */
    private readonly instance: string,
    private readonly log: (line: string) => void,
    private held: Map<string, Job>,
  ) {
    const { lease_s } = clusterOf(config);
    this.arrays = new NodeArrays(name, () => this.known);
    this.lease = new LeaseKeeper({
      name, leaseS: lease_s,
      renew: (info) => journal.renewLease(name, lease_s, info),
      nodes: async () => (this.known = await allNodes(this.sql)),
      rescue: (node) => journal.rescue(node, rescueByRetryPolicy()),
      info: () => this.info(),
      lapsed: () => this.lapsed(),
      requeued: () => this.parts?.claimer.wake(),
      event: (kind, data) => void this.parts?.bus.stage(kind, data),
      log,
    });
  }

  private get sql(): SQL {
    return this.journal.sql;
  }

  /** Connects, renews this node's lease and reads what the shared journal says it holds; throws a clear error when it cannot. */
  static async open(config: Config, version: string, instance: string, log: (line: string) => void): Promise<ClusterNode> {
    const { url, node } = clusterOf(config);
    const journal = await PgJournal.open(url);
    try {
      const cluster = new ClusterNode(journal, node, config, version, instance, log, new Map());
      await cluster.lease.first();
      cluster.held = await heldBy(journal.sql, node);
      return cluster;
    } catch (err) {
      await journal.close().catch(() => {});
      throw err;
    }
  }

  /** Before the ledger counts it: the working copy against the shared journal (working-copy.ts). */
  reconcile(journal: Journal): void {
    const { expected, rewrites, dropped } = reconcileWorkingCopy(journal, this.held, this.name);
    for (const [id, attempt] of expected) this.expected.set(id, attempt);
    this.rewrites.push(...rewrites);
    if (dropped > 0) this.log(`cluster: ${dropped} jobs of this node's last run were rescued by other nodes meanwhile; they are not run here`);
    this.held = new Map();
  }

  /** Joins the engine to the cluster: its state changes are written to the shared journal, and it takes jobs. */
  attach(attached: Attached): ClusterOps {
    const { engine, ledger, bus } = attached;
    const mirror = new Mirror(this.sql, this.name, (job) => this.fenced(job), this.log);
    const claimer = new Claimer({
      room: () => roomByPool(engine, this.meanMs),
      canClaim: () => this.lease.holds && engine.phase.kind === "serving",
      claim: (pools, limit) => this.journal.claim(this.name, pools, limit),
      took: (jobs) => this.took(jobs),
      log: this.log,
    });
    this.parts = { ...attached, mirror, claimer };
    for (const w of this.rewrites.splice(0)) mirror.write(w.job, w.expected, false);
    ledger.observe((job) => {
      const expected = this.expected.get(job.id);
      if (expected === undefined) return;
      mirror.write(job, expected, isTerminal(job.state) && ledger.waiters.has(job.id));
      if (job.state === "queued" || isTerminal(job.state)) this.expected.delete(job.id);
    });
    engine.onEnded((job) => (trackMean(this.meanMs, job), claimer.wake()));
    const remote = new RemoteWaiters((ids) => jobsByIds(this.sql, ids), this.log);
    const ops = new ClusterOps({
      node: this.name, local: attached.ops, engine, journal: this.journal, mirror, remote,
      depths: () => this.depths, submitted: () => claimer.wake(), arraysAt: (arrays) => this.arrays.holderOfAll(arrays), log: this.log,
    });
    void this.listen(remote, claimer);
    this.timers.push(setInterval(() => void this.takeCancels(), CANCEL_POLL_MS));
    this.timers.push(setInterval(() => void this.countDepths(), DEPTH_EVERY_MS));
    bus.stage("node.joined", { node: this.name, self: true });
    this.lease.start();
    claimer.start();
    return ops;
  }

  private async listen(remote: RemoteWaiters, claimer: Claimer): Promise<void> {
    const served = new Set(this.config.pools.map((p) => p.name));
    try {
      await Promise.all([
        this.sql.listen(QUEUED_CHANNEL, (payload) => (JSON.parse(payload) as string[]).some((p) => served.has(p)) && claimer.wake()),
        this.sql.listen(DONE_CHANNEL, (payload) => remote.heard(payload)),
        this.sql.listen(CANCEL_CHANNEL, (payload) => payload === this.name && void this.takeCancels()),
      ]);
    } catch (err) {
      this.log(`cluster: LISTEN failed (${(err as Error).message}); this node relies on its polls`);
    }
  }

  /** Claimed jobs into the engine: queued here until a worker takes them (its `begin` counts the attempt the claim did). */
  private took(jobs: Job[]): void {
    const { engine, ledger } = this.parts!;
    const fresh: Job[] = [];
    for (const job of jobs) {
      const live = engine.active.get(job.id);
      // Still held from before a lapse, taken again: the new claim's attempt fences it now.
      if (live) {
        this.expected.set(job.id, job.attempts);
        continue;
      }
      // Ended here while this node was cut off (ignored then), and taken again: only a job
      // on its second attempt or later can have been here before.
      const stale = job.attempts > 1 ? engine.journal.get(job.id) : null;
      if (stale) ledger.forget(stale);
      // Its arrays were held through its retry's wait (node-arrays.ts): accept holds them again.
      if (this.arrays.retaken(job.id)) engine.arrays.release(job.arrays);
      this.expected.set(job.id, job.attempts);
      Object.assign(job, { state: "queued", attempts: job.attempts - 1, started_at: null, worker: null, node: this.name });
      fresh.push(job);
    }
    if (fresh.length === 0) return;
    engine.accept(fresh);
    for (const pool of new Set(fresh.map((j) => j.pool))) engine.dispatch(pool);
  }

  /** A retry goes back to the shared queue (Engine.fail's hook): its write is on its way; this engine lets it go. */
  release(job: Job): boolean {
    this.drop(job);
    return true;
  }

  /** Takes a job out of the engine: another node may take it now; pinned here for its arrays, it keeps them held. */
  private drop(job: Job): void {
    dropJob(this.parts!.engine, job, this.arrays.keeps(job));
  }

  /** A write the fence refused: another node holds the job now. Not started here: not started at all. */
  private fenced(job: Job): void {
    this.log(`cluster: job ${job.id} was taken back from node ${this.name} (its lease had lapsed); this node's ${job.state} for attempt ${job.attempts} is ignored`);
    const live = this.parts?.engine.active.get(job.id);
    if (live && live.state === "queued" && !this.expected.has(job.id)) this.drop(live);
  }

  /**
   * This node's lease lapsed: jobs it took and has not started go back to the queue, their
   * attempt not counted, by a fenced write (applied if no other node rescued them first;
   * kept until the database answers). Without it, a lease renewed again before anyone
   * rescued would leave their rows running here, with no engine holding them.
   */
  private lapsed(): void {
    if (!this.parts) return;
    const { engine, mirror } = this.parts;
    for (const job of [...engine.active.values()]) {
      const expected = this.expected.get(job.id);
      if (job.state !== "queued" || expected === undefined) continue;
      this.expected.delete(job.id);
      mirror.write(job, expected, true);
      this.drop(job);
    }
  }

  private async takeCancels(): Promise<void> {
    if (!this.parts) return;
    const { engine } = this.parts;
    try {
      for (const id of await cancelsAsked(this.sql, this.name)) {
        const job = engine.active.get(id);
        if (job && !engine.cancelling.has(id) && !isTerminal(job.state)) engine.cancel(job);
      }
    } catch {
      // The database is away: the lease and the mirror say so; the next poll tries again.
    }
  }

  private async countDepths(): Promise<void> {
    try {
      this.depths = await queuedByPool(this.sql);
    } catch {
      // As above: the last counts stand.
    }
  }

  /** What this node says of itself at each renewal (GET /v1/nodes). */
  private info(): NodeInfo {
    return nodeInfo(this.config, this.parts?.engine, { version: this.version, started_at: this.startedAt, instance: this.instance });
  }

  async list(): Promise<NodeView[]> {
    const now = Date.now();
    return (await allNodes(this.sql)).map((lease) => nodeView(lease, this.name, now));
  }

  /** Why this node is not ready (SPEC §1 /ready), as far as the cluster goes. */
  readyReasons(): string[] {
    const reasons: string[] = [];
    if (this.lease.failure) reasons.push(`cluster: node ${this.name} cannot renew its lease: ${this.lease.failure}`);
    if (!this.lease.holds) reasons.push(`cluster: node ${this.name}'s lease lapsed: it takes no jobs until it renews`);
    const failure = this.parts?.mirror.failure;
    if (failure) reasons.push(`cluster: ${this.parts!.mirror.size} job states wait to be written to the shared journal: ${failure}`);
    return reasons;
  }

  /** Purges the shared journal's finished jobs as each node does its own. */
  async purge(before: number): Promise<void> {
    await this.journal.purge(before).catch(() => {});
  }

  /**
   * A clean stop: jobs taken and not started go back to the shared queue, their attempt not
   * counted (as a shutdown does with running ones, drain.ts); pending writes go in; the lease
   * is given up so the others need not wait it out.
   */
  async close(): Promise<void> {
    this.lease.stop();
    this.parts?.claimer.stop();
    for (const job of this.parts?.engine.active.values() ?? []) {
      const expected = this.expected.get(job.id);
      if (job.state === "queued" && expected !== undefined) this.parts!.mirror.write(job, expected, true);
    }
    for (const t of this.timers) clearInterval(t);
    // A stop after a drain is the node's end: its lease is given up. Any other (the
    // supervisor gone) leaves the lease to lapse, in case its workers live on.
    const ending = this.parts?.engine.draining ?? false;
    const done = (async () => {
      await this.parts?.mirror.written();
      if (ending) await endLease(this.sql, this.name, Date.now());
    })();
    await Promise.race([done.catch(() => {}), Bun.sleep(CLOSE_WAIT_MS)]);
    await this.journal.close().catch(() => {});
  }
}
