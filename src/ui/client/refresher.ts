/**
 * When the page reads the API again. The page asks nothing while gaia is idle: it waits on the
 * event stream, and an event marks what it changed (`mark("workers")`). A mark starts a read
 * at once when none of that kind ran in the last `gapMs`; otherwise one read follows when the
 * gap has passed (or when the read in flight ends), however many marks came meanwhile. So a
 * burst of 100,000 job events costs about one read per second of each kind, and the last
 * read comes after the burst, showing where it ended.
 *
 * Pure apart from the clock and timer it is given, so it is tested without a browser
 * (src/ui/client-logic.test.ts).
 */

export type Clock = { now(): number; setTimeout(fn: () => void, ms: number): unknown };

type Slot = { inFlight: boolean; pending: boolean; lastStart: number; timer: boolean };

export class Refresher<K extends string> {
  private readonly slots = new Map<K, Slot>();

  constructor(
    private readonly load: (kind: K) => Promise<void>,
    private readonly gapMs: number,
    private readonly clock: Clock = { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms) },
  ) {}

  mark(kind: K): void {
    const slot = this.slot(kind);
    slot.pending = true;
    this.consider(kind, slot);
  }

  private slot(kind: K): Slot {
    let slot = this.slots.get(kind);
    if (!slot) this.slots.set(kind, (slot = { inFlight: false, pending: false, lastStart: -Infinity, timer: false }));
    return slot;
  }

  private consider(kind: K, slot: Slot): void {
    if (!slot.pending || slot.inFlight || slot.timer) return;
    const wait = slot.lastStart + this.gapMs - this.clock.now();
    if (wait > 0) {
      slot.timer = true;
      this.clock.setTimeout(() => {
        slot.timer = false;
        this.consider(kind, slot);
      }, wait);
      return;
    }
    slot.pending = false;
    slot.inFlight = true;
    slot.lastStart = this.clock.now();
    // A failed read is the loader's to show; the next mark tries again.
    void this.load(kind).catch(() => {}).finally(() => {
      slot.inFlight = false;
      this.consider(kind, slot);
    });
  }
}

/** What each event kind may have changed, by the panels that read it. */
export type Resource = "status" | "workers" | "jobs" | "job" | "schedules" | "arrays" | "gpus" | "sessions" | "nodes";

export function affected(kind: string): Resource[] {
  if (kind.startsWith("job.")) return kind === "job.progress" ? ["job"] : ["jobs", "job", "status", "arrays", "nodes"];
  if (kind.startsWith("process.")) return ["workers", "status", "gpus", "sessions", "nodes"];
  if (kind.startsWith("schedule.")) return ["schedules"];
  if (kind.startsWith("session.")) return ["sessions", "status"];
  if (kind.startsWith("node.")) return ["nodes", "status"];
  if (kind.startsWith("gpu.")) return ["gpus"];
  // events.gap (we missed some) and anything new: read it all again.
  return ["status", "workers", "jobs", "job", "schedules", "arrays", "gpus", "sessions", "nodes"];
}
