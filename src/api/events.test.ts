import { expect, test } from "bun:test";
import { Hono } from "hono";
import { Database } from "bun:sqlite";
import { EventBus } from "../io/events/bus.ts";
import { EventStore } from "../io/events/store.ts";
import { registerEventRoutes } from "./events.ts";

/** A bus on an in-memory events table that commits each staged event at once. */
function bus(): EventBus & { publish(kind: string, data: Record<string, unknown>): void } {
  const b = new EventBus(new EventStore(new Database(":memory:"), 100), () => queueMicrotask(() => (b.write(), b.committed())), 0);
  return Object.assign(b, { publish: (kind: string, data: Record<string, unknown>) => void b.stage(kind, data) });
}

/** Reads the stream until `done(text)` says enough, or `ms` pass. */
async function readUntil(body: ReadableStream<Uint8Array>, done: (text: string) => boolean, ms = 2000): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + ms;
  while (!done(text) && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => null)]);
    if (!chunk || chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  await reader.cancel();
  return text;
}

test("an idle stream gets heartbeat comments; the client's leaving unsubscribes it", async () => {
  const events = bus();
  const app = new Hono();
  registerEventRoutes(app, events, 30);
  const res = await app.request("/v1/events");
  expect(res.headers.get("content-type")).toStartWith("text/event-stream");
  expect(events.subscriberCount).toBe(1);
  const text = await readUntil(res.body!, (t) => (t.match(/^: heartbeat /gm) ?? []).length >= 2);
  expect(text.startsWith("retry: 1000\n: subscribed\n\n")).toBe(true);
  expect((text.match(/^: heartbeat \S+\n\n/gm) ?? []).length).toBeGreaterThanOrEqual(2);
  await Bun.sleep(10);
  expect(events.subscriberCount).toBe(0);
});

test("a ?job= stream gets that job's events, in order, and no other", async () => {
  const events = bus();
  const app = new Hono();
  registerEventRoutes(app, events, 60_000);
  const res = await app.request("/v1/events?job=j1");
  events.publish("job.queued", { job_id: "j1" });
  events.publish("job.queued", { job_id: "j2" });
  events.publish("job.started", { job_id: "j1" });
  const text = await readUntil(res.body!, (t) => t.includes("event: job.started"));
  expect([...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1])).toEqual(["job.queued", "job.started"]);
  expect(text).not.toContain('"j2"');
});
