/**
 * The event bus behind `GET /v1/events` (SPEC §7): every `process.*`, `job.*` and
 * `schedule.*` event gets the next id and goes into a bounded ring, then to each subscriber
 * whose filter takes it.
 *
 * Ids are integers that grow by one, so a client that reconnects with `Last-Event-ID: N`
 * gets exactly the events after N that the ring still holds; when N is older than the ring's
 * oldest event it is told so first (`events.gap`). The first id of a run is the start time
 * in microseconds: a later run's ids are larger than any earlier run's, so a client that
 * comes back across a restart of gaia is told of the gap too, instead of silently skipping
 * the new run's first events.
 *
 * Job events cost the IO engine work on its hottest path, so it sends them only while
 * someone listens: the bus tells it (`setListening`) when the first subscriber arrives, and
 * when the last one has been gone for LINGER_MS. The linger is what lets a client that drops
 * and reconnects with Last-Event-ID miss nothing in between; one that comes back after job
 * events stopped is told of the gap (`deafSince`), since jobs may have run unrecorded.
 */
export const RING_EVENTS = 10_000;
export const LINGER_MS = 60_000;

export type BusEvent = {
  id: number;
  kind: string;
  /** The job an event is about (`?job=ID` filters on it), else null. */
  jobId: string | null;
  /** The whole SSE frame, rendered once however many clients receive it. */
  frame: string;
};

export type Subscriber = { job: string | null; send(event: BusEvent): void };

export class EventBus {
  private readonly ring: BusEvent[] = [];
  private start = 0; // index of the oldest event in `ring` (a circular buffer)
  private nextId = Date.now() * 1000;
  private readonly subscribers = new Set<Subscriber>();
  private listening = false;
  /**
   * The first id after job events last stopped, once they have been on; -1 before that (no
   * client of this run can hold an id from before its first subscription).
   */
  private deafSince = -1;
  private lingerTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly setListening: (on: boolean) => void,
    private readonly capacity = RING_EVENTS,
    private readonly lingerMs = LINGER_MS,
  ) {}

  /** Whether the IO engine should be sending job events now. */
  get wanted(): boolean {
    return this.listening;
  }

  publish(kind: string, data: Record<string, unknown>, at = new Date().toISOString()): BusEvent {
    const id = this.nextId++;
    const jobId = typeof data.job_id === "string" ? data.job_id : null;
    const frame = `id: ${id}\nevent: ${kind}\ndata: ${JSON.stringify({ id, kind, at, data })}\n\n`;
    const event: BusEvent = { id, kind, jobId, frame };
    if (this.ring.length < this.capacity) this.ring.push(event);
    else {
      this.ring[this.start] = event;
      this.start = (this.start + 1) % this.capacity;
    }
    for (const sub of this.subscribers) if (sub.job === null || sub.job === jobId) sub.send(event);
    return event;
  }

  /**
   * Adds a subscriber and first replays what it missed after `lastId` (null: nothing, a new
   * client starts from now). Returns the function that removes it.
   */
  subscribe(sub: Subscriber, lastId: number | null): () => void {
    if (lastId !== null) this.replay(sub, lastId);
    this.subscribers.add(sub);
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    if (!this.listening) {
      this.listening = true;
      this.setListening(true);
    }
    return () => this.unsubscribe(sub);
  }

  private unsubscribe(sub: Subscriber): void {
    if (!this.subscribers.delete(sub) || this.subscribers.size > 0) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null;
      if (this.subscribers.size > 0 || !this.listening) return;
      this.listening = false;
      this.deafSince = this.nextId;
      this.setListening(false);
    }, this.lingerMs);
    this.lingerTimer.unref?.();
  }

  private replay(sub: Subscriber, lastId: number): void {
    const oldest = this.ring.length ? this.ring[this.start]!.id : this.nextId;
    // Events were dropped from the ring, or job events were not recorded (nobody listened)
    // after this client's last one: it must know.
    const jobEventsOff = !this.listening && lastId < this.deafSince;
    if (lastId + 1 < oldest || jobEventsOff) {
      const gap = `event: events.gap\ndata: ${JSON.stringify({ kind: "events.gap", data: { after: lastId, oldest, job_events_off: jobEventsOff } })}\n\n`;
      sub.send({ id: 0, kind: "events.gap", jobId: null, frame: gap });
    }
    for (let i = 0; i < this.ring.length; i++) {
      const event = this.ring[(this.start + i) % this.ring.length]!;
      if (event.id > lastId && (sub.job === null || sub.job === event.jobId)) sub.send(event);
    }
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }
}
