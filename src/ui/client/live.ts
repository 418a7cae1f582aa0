/**
 * The page's one long request: an EventSource on /v1/events (SPEC §7). The cookie set at
 * sign-in authorises it (EventSource cannot send headers). EventSource reconnects on its own
 * after a dropped stream, sending Last-Event-ID so gaia replays what was missed; it gives up
 * for good on an answer that is not a stream (a 401, or the supervisor's 503 while the IO
 * engine restarts), and then this reopens it, backing off from 1 s to 10 s, with
 * `?last_event_id=` so nothing is lost across that either.
 *
 * EventSource hands named events (`event: job.finished`) only to listeners of that name, so
 * the kinds gaia sends are listed here; `events.gap` says some are gone, and the page then
 * reads everything again.
 */

export const KINDS = [
  "job.queued", "job.started", "job.progress", "job.finished",
  "process.started", "process.ready", "process.exited", "process.restarted", "process.crashlooping", "process.promoted",
  "schedule.fired", "schedule.skipped",
  "session.created", "session.ready", "session.failed", "session.terminating", "session.terminated",
  "node.joined", "node.left", "node.lost", "node.lease_lost",
  "events.gap",
];

export type LiveState = "connecting" | "live" | "reconnecting";

export type LiveHooks = {
  event(kind: string, data: string, lastEventId: string): void;
  state(state: LiveState): void;
  /** The stream (re)opened: what happened while it was shut may need reading. */
  opened(again: boolean): void;
  /** It was refused for good: the page checks whether it is still signed in. */
  refused(): Promise<boolean>;
};

export class Live {
  private source: EventSource | null = null;
  private lastId = "";
  private backoffMs = 1000;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private opens = 0;

  constructor(private readonly hooks: LiveHooks) {}

  start(): void {
    this.stop();
    const url = this.lastId ? `/v1/events?last_event_id=${encodeURIComponent(this.lastId)}` : "/v1/events";
    const source = new EventSource(url);
    this.source = source;
    this.hooks.state(this.opens ? "reconnecting" : "connecting");
    const handle = (e: MessageEvent) => {
      if (e.lastEventId) this.lastId = e.lastEventId;
      this.hooks.event(e.type, e.data, e.lastEventId);
    };
    for (const kind of KINDS) source.addEventListener(kind, handle as EventListener);
    source.onopen = () => {
      this.backoffMs = 1000;
      this.hooks.state("live");
      this.hooks.opened(this.opens++ > 0);
    };
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) return this.hooks.state("reconnecting");
      this.hooks.state("reconnecting");
      this.timer = setTimeout(() => void this.retry(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
    };
  }

  private async retry(): Promise<void> {
    if (await this.hooks.refused().catch(() => true)) this.start();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.source?.close();
    this.source = null;
  }
}
