/**
 * The event bus behind `GET /v1/events` (SPEC §7), in the IO engine: `process.*` (told by the
 * supervisor over its link), `job.*`, `schedule.*` and `session.*` events.
 *
 * An event is staged with the next id, written into the events table in the journal's next
 * commit (the same transaction as the change it reports), and sent to the subscribers whose
 * filter takes it only after that commit: a job's end is never announced before it is on
 * disk, and never twice. A client that reconnects with `Last-Event-ID: N` gets the events
 * after N that the table still holds (the newest RING_EVENTS), across restarts of the IO
 * engine too; when N is older than what is held it is told so first (`events.gap`).
 *
 * Job events cost work on gaia's hottest path, so they are recorded only while someone
 * listens: from the first subscriber until the last one has been gone for LINGER_MS (the
 * linger lets a client that drops and reconnects miss nothing). That state is kept in the
 * journal, so an engine restarted while a client was subscribed records from its start. A
 * client that comes back after job events stopped is told of the gap (`job_events_off`).
 */
import { EventStore, type StoredEvent } from "./store.ts";

export const RING_EVENTS = 10_000;
export const LINGER_MS = 60_000;

export type BusEvent = StoredEvent;

/** What a subscriber takes: one job's or session's events, and/or some kinds (`job.finished`, or `job.` for all of a family). */
export type Subscriber = { job: string | null; session?: string | null; kinds?: readonly string[] | null; send(event: BusEvent): void };

export class EventBus {
  private staged: BusEvent[] = [];
  private nextId: number;
  private readonly subscribers = new Set<Subscriber>();
  private listening: boolean;
  /** The first id after job events last stopped; -1 while they never have. */
  private deafSince: number;
  private lingerTimer: ReturnType<typeof setTimeout> | null = null;

  /** `requestFlush` asks the journal for a commit soon (the events ride in it). */
  constructor(
    private readonly store: EventStore,
    private readonly requestFlush: () => void,
    private readonly lingerMs = LINGER_MS,
  ) {
    const bounds = store.bounds();
    this.nextId = Math.max(bounds ? bounds.newest + 1 : 0, Number(store.meta("next_id") ?? 0), bounds ? 0 : Date.now() * 1000);
    this.deafSince = Number(store.meta("deaf_since") ?? -1);
    this.listening = store.meta("listening") === "on";
    if (this.listening) this.linger(); // whoever listened before the restart has lingerMs to come back
  }

  /** Whether job events are being recorded now. */
  get wanted(): boolean {
    return this.listening;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Stages an event: written in the next commit and sent after it. */
  stage(kind: string, data: Record<string, unknown>, at = new Date().toISOString()): BusEvent {
    const id = this.nextId++;
    const job_id = typeof data.job_id === "string" ? data.job_id : null;
    const session_id = typeof data.session === "string" ? data.session : null;
    const frame = `id: ${id}\nevent: ${kind}\ndata: ${JSON.stringify({ id, kind, at, data })}\n\n`;
    const event: BusEvent = { id, kind, job_id, session_id, frame };
    if (this.staged.push(event) === 1) this.requestFlush();
    return event;
  }

  /** Inside the journal's commit: the staged events are written with it. */
  write(): void {
    if (this.staged.length > 0) this.store.append(this.staged);
  }

  /** After the commit: the events it held go to their subscribers. */
  committed(): void {
    const events = this.staged;
    if (events.length === 0) return;
    this.staged = [];
    for (const event of events) for (const sub of this.subscribers) if (takes(sub, event)) sub.send(event);
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
      this.store.setMeta("listening", "on");
    }
    return () => this.unsubscribe(sub);
  }

  private unsubscribe(sub: Subscriber): void {
    if (this.subscribers.delete(sub) && this.subscribers.size === 0) this.linger();
  }

  private linger(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null;
      if (this.subscribers.size > 0 || !this.listening) return;
      this.listening = false;
      this.deafSince = this.nextId;
      this.store.setMeta("listening", "off");
      this.store.setMeta("deaf_since", String(this.deafSince));
      this.store.setMeta("next_id", String(this.nextId));
    }, this.lingerMs);
    this.lingerTimer.unref?.();
  }

  private replay(sub: Subscriber, lastId: number): void {
    const bounds = this.store.bounds();
    const oldest = bounds?.oldest ?? this.nextId;
    // Events left the table, or job events were not recorded (nobody listened) after this
    // client's last one: it must know.
    const jobEventsOff = !this.listening && lastId < this.deafSince;
    if (lastId + 1 < oldest || jobEventsOff) {
      const gap = `event: events.gap\ndata: ${JSON.stringify({ kind: "events.gap", data: { after: lastId, oldest, job_events_off: jobEventsOff } })}\n\n`;
      sub.send({ id: 0, kind: "events.gap", job_id: null, session_id: null, frame: gap });
    }
    for (const event of this.store.after(lastId, RING_EVENTS + RING_EVENTS / 10)) if (takes(sub, event)) sub.send(event);
  }
}

function takes(sub: Subscriber, event: StoredEvent): boolean {
  if (sub.job !== null && sub.job !== event.job_id) return false;
  if (sub.kinds && !sub.kinds.some((k) => (k.endsWith(".") ? event.kind.startsWith(k) : event.kind === k))) return false;
  return !sub.session || sub.session === event.session_id;
}
