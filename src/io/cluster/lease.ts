/**
 * A node's lease, and its watch over the others' (SPEC §13).
 *
 * Renewed every lease_s / 3 with what the node says of itself (its pools, workers, running
 * jobs: what `GET /v1/nodes` shows). A renewal that fails, or has not answered within its
 * third of the lease, is tried at the next tick; once the lease's end passes without one,
 * the node is `lapsed`: it takes no more jobs and gives up those it took and had not
 * started (the others rescue them); what it still reports for jobs taken back is fenced
 * off (mirror.ts). The next renewal that goes through makes it a node again.
 *
 * Every WATCH_MS the node reads the nodes table: a node whose lease passed is rescued
 * (its running jobs follow their retry policy, journal/rescue-policy.ts), and `node.*`
 * events tell of nodes that joined, lapsed, or came back. After its own lease lapsed a node
 * rescues no one for a whole lease once it renewed again: the others may have been cut off
 * from the database as it was, and get that long to renew first.
 */
import type { NodeLease } from "../journal/interface.ts";

export type LeaseState =
  | { kind: "starting" }
  | { kind: "held"; until: number }
  | { kind: "lapsed"; until: number };

export type LeaseDeps = {
  name: string;
  leaseS: number;
  renew(info: unknown): Promise<NodeLease>;
  nodes(): Promise<NodeLease[]>;
  rescue(node: string): Promise<string[]>;
  info(): unknown;
  /** This node's lease lapsed: stop taking jobs, give back those not started. */
  lapsed(): void;
  /** Jobs went back to the queue (a rescue): claim. */
  requeued(): void;
  event(kind: string, data: Record<string, unknown>): void;
  log(line: string): void;
};

const WATCH_MS = 500;

export class LeaseKeeper {
  state: LeaseState = { kind: "starting" };
  /** Why the last renewal failed, for /ready; null once one went through. */
  failure: string | null = null;
  private recoveredAt = 0;
  private watchFailure: string | null = null;
  private readonly known = new Map<string, "alive" | "lapsed">();
  private watched = false;
  private timers: ReturnType<typeof setInterval>[] = [];
  private renewing = false;
  private watching = false;

  constructor(private readonly deps: LeaseDeps) {}

  get renewEveryMs(): number {
    return (this.deps.leaseS * 1000) / 3;
  }

  /** The first renewal, at start: a node that cannot reach the database does not start (exit 2). */
  async first(): Promise<void> {
    const lease = await this.deps.renew(this.deps.info());
    this.state = { kind: "held", until: lease.lease_until };
  }

  start(): void {
    this.timers.push(setInterval(() => void this.renew(), this.renewEveryMs));
    this.timers.push(setInterval(() => void this.watch(), Math.min(WATCH_MS, this.renewEveryMs)));
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  get holds(): boolean {
    this.checkLapse(Date.now());
    return this.state.kind === "held";
  }

  private checkLapse(now: number): void {
    if (this.state.kind !== "held" || now <= this.state.until) return;
    this.state = { kind: "lapsed", until: this.state.until };
    this.deps.log(`cluster: node ${this.deps.name} could not renew its lease (${this.failure ?? "no answer"}); it takes no jobs until it can`);
    this.deps.event("node.lapsed", { node: this.deps.name, lease_until: new Date(this.state.until).toISOString(), self: true });
    this.deps.lapsed();
  }

  private async renew(): Promise<void> {
    if (this.renewing) return this.checkLapse(Date.now());
    this.renewing = true;
    try {
      const lease = await withTimeout(this.deps.renew(this.deps.info()), this.renewEveryMs, "no answer within a third of the lease");
      const was = this.state.kind;
      this.state = { kind: "held", until: lease.lease_until };
      this.failure = null;
      if (was === "lapsed") {
        this.recoveredAt = Date.now();
        this.deps.log(`cluster: node ${this.deps.name} renewed its lease again and takes jobs`);
        this.deps.event("node.rejoined", { node: this.deps.name, self: true });
      }
    } catch (err) {
      this.failure = (err as Error).message;
      this.checkLapse(Date.now());
    } finally {
      this.renewing = false;
    }
  }

  private async watch(): Promise<void> {
    const now = Date.now();
    this.checkLapse(now);
    if (this.watching || this.state.kind !== "held") return;
    this.watching = true;
    try {
      // Bounded, as a renewal is: a read that never answers must not stop every later watch.
      const nodes = await withTimeout(this.deps.nodes(), this.renewEveryMs, "no answer within a third of the lease");
      const first = !this.watched;
      this.watched = true;
      const waiting = this.recoveredAt > 0 && now - this.recoveredAt < this.deps.leaseS * 1000;
      for (const node of nodes) {
        if (node.name === this.deps.name) continue;
        const state = node.lease_until < now ? "lapsed" : "alive";
        const before = this.known.get(node.name);
        this.known.set(node.name, state);
        if (!first && before !== state) this.told(node, state, before);
        if (state === "lapsed" && !waiting) {
          const rescued = await withTimeout(this.deps.rescue(node.name), this.deps.leaseS * 1000, "no answer within a lease");
          if (rescued.length > 0) {
            this.deps.log(`cluster: node ${node.name}'s lease lapsed; ${rescued.length} of its running jobs follow their retry policy on the other nodes`);
            this.deps.event("node.rescued", { node: node.name, jobs: rescued.length, by: this.deps.name });
            this.deps.requeued();
          }
        }
      }
      this.watchFailure = null;
    } catch (err) {
      const message = (err as Error).message;
      if (this.watchFailure !== message) this.deps.log(`cluster: reading the nodes or rescuing one failed (${message}); the next watch tries again`);
      this.watchFailure = message;
    } finally {
      this.watching = false;
    }
  }

  private told(node: NodeLease, state: "alive" | "lapsed", before: "alive" | "lapsed" | undefined): void {
    if (state === "lapsed") this.deps.event("node.lapsed", { node: node.name, lease_until: new Date(node.lease_until).toISOString(), self: false });
    else this.deps.event(before === undefined ? "node.joined" : "node.rejoined", { node: node.name, self: false });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
  ]);
}
