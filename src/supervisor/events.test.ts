import { expect, test } from "bun:test";
import { EventBus, type BusEvent } from "./events.ts";

const collect = () => {
  const got: BusEvent[] = [];
  return { got, kinds: () => got.map((e) => e.kind), send: (e: BusEvent) => void got.push(e) };
};

test("subscribers get events from now on; ids grow by one", () => {
  const bus = new EventBus(() => {});
  bus.publish("process.started", {});
  const c = collect();
  bus.subscribe({ job: null, send: c.send }, null);
  const a = bus.publish("job.queued", { job_id: "j1" });
  const b = bus.publish("job.started", { job_id: "j1" });
  expect(c.kinds()).toEqual(["job.queued", "job.started"]);
  expect(b.id).toBe(a.id + 1);
  expect(a.frame).toBe(`id: ${a.id}\nevent: job.queued\ndata: ${JSON.stringify({ id: a.id, kind: "job.queued", at: JSON.parse(a.frame.split("data: ")[1]!).at, data: { job_id: "j1" } })}\n\n`);
});

test("a job filter keeps only that job's events, replay included", () => {
  const bus = new EventBus(() => {});
  const first = bus.publish("job.queued", { job_id: "a" });
  bus.publish("job.queued", { job_id: "b" });
  bus.publish("process.ready", {});
  const c = collect();
  bus.subscribe({ job: "a", send: c.send }, first.id - 1);
  bus.publish("job.finished", { job_id: "b" });
  bus.publish("job.finished", { job_id: "a" });
  expect(c.got.map((e) => [e.kind, e.jobId])).toEqual([["job.queued", "a"], ["job.finished", "a"]]);
});

test("the ring keeps the newest events; an older Last-Event-ID is told of the gap", () => {
  const bus = new EventBus(() => {}, 3);
  const ids = [1, 2, 3, 4, 5].map((n) => bus.publish("job.queued", { job_id: `j${n}` }).id);
  const c = collect();
  bus.subscribe({ job: null, send: c.send }, ids[0]!);
  expect(c.kinds()).toEqual(["events.gap", "job.queued", "job.queued", "job.queued"]);
  expect(c.got.slice(1).map((e) => e.jobId)).toEqual(["j3", "j4", "j5"]);
  const d = collect();
  bus.subscribe({ job: null, send: d.send }, ids[2]!);
  expect(d.got.map((e) => e.jobId)).toEqual(["j4", "j5"]);
});

test("the IO engine is told on the first subscriber and after the last one lingered away", async () => {
  const told: boolean[] = [];
  const bus = new EventBus((on) => told.push(on), 100, 30);
  const off1 = bus.subscribe({ job: null, send: () => {} }, null);
  const off2 = bus.subscribe({ job: null, send: () => {} }, null);
  off1();
  off2();
  expect(told).toEqual([true]);
  const off3 = bus.subscribe({ job: null, send: () => {} }, null); // back within the linger
  off3();
  await Bun.sleep(60);
  expect(told).toEqual([true, false]);
  expect(bus.wanted).toBe(false);
});

test("a client back after job events stopped (nobody listened for the linger) is told of the gap", async () => {
  const states: boolean[] = [];
  const bus = new EventBus((on) => states.push(on), 100, 5);
  const c = collect();
  const unsubscribe = bus.subscribe({ job: null, send: c.send }, null);
  const last = bus.publish("job.finished", { job_id: "a" });
  unsubscribe();
  await Bun.sleep(30); // the linger passes: the IO engine is told to stop sending job events
  expect(states).toEqual([true, false]);
  bus.publish("process.ready", {});
  const back = collect();
  bus.subscribe({ job: null, send: back.send }, last.id);
  expect(back.kinds()).toEqual(["events.gap", "process.ready"]);
  // Within the linger nothing is lost, so there is no gap.
  const d = collect();
  bus.subscribe({ job: null, send: d.send }, last.id);
  expect(d.kinds()).toEqual(["process.ready"]);
});
