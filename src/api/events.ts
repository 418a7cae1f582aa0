/**
 * `GET /v1/events`: the event bus as Server-Sent Events (SPEC §7).
 *
 * Each event is `id: N`, `event: KIND` and one `data:` line of JSON `{id, kind, at, data}`.
 * `Last-Event-ID` (the header EventSource sends on its own when it reconnects, or the
 * `last_event_id` query parameter) replays what the bus still holds after that id;
 * `?job=ID` keeps only that job's events, `?session=ID` a pipeline session's, and
 * `?kind=job.finished,process.` only those kinds (a name ending in "." takes its family).
 * A comment line every HEARTBEAT_MS keeps idle streams from being cut by proxies and clients
 * that time out silent connections (gaia's own HTTP server never cuts an answer in progress).
 *
 * A client that cannot keep up is dropped rather than buffered without bound (sse-lag.ts: more
 * than 4 MiB behind for 5 s, or more than 64 MiB at any moment): its stream ends, what was
 * queued for it is dropped, and it can reconnect with the id of the last event it read.
 */
import type { Hono } from "hono";
import type { BusEvent, EventBus } from "../io/events/bus.ts";
import { queryOf } from "./body.ts";
import { ApiError } from "./errors.ts";
import { EventId, EventsQuery } from "./shapes/params.ts";
import { judgeLag, type Lag } from "./sse-lag.ts";

export const HEARTBEAT_MS = 15_000;
const encoder = new TextEncoder();

export function registerEventRoutes(app: Hono, bus: EventBus, heartbeatMs = HEARTBEAT_MS): void {
  app.get("/v1/events", (c) => {
    const query = queryOf(c, EventsQuery);
    const kinds = query.kind?.split(",").map((k) => k.trim()).filter(Boolean) ?? [];
    const filter = { job: query.job || null, session: query.session || null, kinds: kinds.length ? kinds : null };
    const lastId = parseLastId(c.req.header("last-event-id") ?? query.last_event_id);
    const stream = eventStream(bus, filter, lastId, c.req.raw.signal, heartbeatMs);
    return new Response(stream, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" },
    });
  });
}

function parseLastId(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === "") return null;
  if (!EventId.safeParse(raw).success) throw new ApiError(400, "invalid_request", `Last-Event-ID must be the integer id of an event, got '${raw}'`);
  return Number(raw.trim());
}

type Filter = { job: string | null; session: string | null; kinds: string[] | null };

function eventStream(bus: EventBus, filter: Filter, lastId: number | null, signal: AbortSignal, heartbeatMs: number): ReadableStream<Uint8Array> {
  let unsubscribe = () => {};
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  let lag: Lag = { overSince: null };
  const end = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
          const verdict = judgeLag(-(controller.desiredSize ?? 0), lag, Date.now());
          if (verdict.t === "keep") lag = verdict.lag;
          else {
            // error(), not close(): close() would keep the queue until a client that does
            // not read has read it; error() drops it and ends the response.
            end();
            controller.error(new Error(verdict.why));
          }
        } catch {
          end(); // the client went away between our check and the write
        }
      };
      // Events published in one go (a batch from the IO engine, a replay) leave in one chunk.
      let pending = "";
      const send = (event: BusEvent) => {
        if (pending === "") queueMicrotask(() => (write(pending), (pending = "")));
        pending += event.frame;
      };
      // `retry` tells EventSource how soon to reconnect; the comment opens the stream at once,
      // so a client knows it is subscribed before the first event.
      write(`retry: 1000\n: subscribed${filter.job ? ` to job ${filter.job}` : ""}${filter.session ? ` to session ${filter.session}` : ""}\n\n`);
      unsubscribe = bus.subscribe({ ...filter, send }, lastId);
      heartbeat = setInterval(() => write(`: heartbeat ${new Date().toISOString()}\n\n`), heartbeatMs);
      signal.addEventListener("abort", end);
    },
    // Called when the client has read the queue down below the high-water mark: it caught up,
    // so the grace of sse-lag.ts starts afresh at the next burst.
    pull() {
      lag = { overSince: null };
    },
    cancel: end,
  }, new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }));
}
