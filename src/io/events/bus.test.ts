/**
 * The bus with a real events table (SQLite in memory): ids, filters, replay after
 * Last-Event-ID, gaps, and events that are sent only after the commit that holds them.
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { EventBus, type BusEvent } from "./bus.ts";
import { EventStore } from "./store.ts";

const collect = () => {
  const got: BusEvent[] = [];
  return { got, kinds: () => got.map((e) => e.kind), send: (e: BusEvent) => void got.push(e) };
};

/** A bus whose commits happen when the test says (`commit()`), as the journal's would. */
function harness(keep = 100, lingerMs = 60_000, db = new Database(":memory:")) {
  const bus = new EventBus(new EventStore(db, keep), () => {}, lingerMs);
  const commit = () => {
    bus.write();
    bus.committed();
  };
  const publish = (kind: string, data: Record<string, unknown>) => {
    const e = bus.stage(kind, data);
    commit();
    return e;
  };
  return { bus, commit, publish, db };
}

test("subscribers get events from now on, only after their commit; ids grow by one", () => {
  const { bus, commit, publish } = harness();
  publish("process.started", {});
  const c = collect();
  bus.subscribe({ job: null, send: c.send }, null);
  const a = bus.stage("job.queued", { job_id: "j1" });
  const b = bus.stage("job.started", { job_id: "j1" });
  expect(c.kinds()).toEqual([]); // not committed yet
  commit();
  expect(c.kinds()).toEqual(["job.queued", "job.started"]);
  expect(b.id).toBe(a.id + 1);
  const data = JSON.parse(a.frame.split("data: ")[1]!);
  expect(a.frame).toBe(`id: ${a.id}\nevent: job.queued\ndata: ${JSON.stringify({ id: a.id, kind: "job.queued", at: data.at, data: { job_id: "j1" } })}\n\n`);
});

test("a job filter keeps only that job's events, replay included", () => {
  const { bus, publish } = harness();
  const first = publish("job.queued", { job_id: "a" });
  publish("job.queued", { job_id: "b" });
  publish("process.ready", {});
  const c = collect();
  bus.subscribe({ job: "a", send: c.send }, first.id - 1);
  publish("job.finished", { job_id: "b" });
  publish("job.finished", { job_id: "a" });
  expect(c.got.map((e) => [e.kind, e.job_id])).toEqual([["job.queued", "a"], ["job.finished", "a"]]);
});

test("the table keeps the newest events; an older Last-Event-ID is told of the gap", () => {
  const { bus, publish } = harness(3);
  const ids = [1, 2, 3, 4, 5, 6, 7].map((n) => publish("job.queued", { job_id: `j${n}` }).id);
  const c = collect();
  bus.subscribe({ job: null, send: c.send }, ids[0]!);
  expect(c.kinds()[0]).toBe("events.gap");
  expect(c.got.at(-1)!.job_id).toBe("j7");
  const d = collect();
  bus.subscribe({ job: null, send: d.send }, ids[5]!);
  expect(d.got.map((e) => e.job_id)).toEqual(["j7"]);
});

test("a bus on the same table after a restart goes on with the ids and replays what a client missed", () => {
  const db = new Database(":memory:");
  const first = harness(100, 60_000, db);
  const c = collect();
  first.bus.subscribe({ job: null, send: c.send }, null);
  const seen = first.publish("job.queued", { job_id: "a" });
  first.publish("job.finished", { job_id: "a" }); // committed, but the client dropped before it arrived
  const second = harness(100, 60_000, db); // the engine restarted on the same journal
  expect(second.bus.wanted).toBe(true); // someone listened: job events are recorded from the start
  const back = collect();
  second.bus.subscribe({ job: null, send: back.send }, seen.id);
  expect(back.kinds()).toEqual(["job.finished"]);
  expect(second.bus.stage("job.queued", { job_id: "b" }).id).toBe(seen.id + 2);
});

test("job events stop after the last subscriber lingered away; a client back after that is told of the gap", async () => {
  const { bus, publish } = harness(100, 5);
  const unsubscribe = bus.subscribe({ job: null, send: () => {} }, null);
  expect(bus.wanted).toBe(true);
  const last = publish("job.finished", { job_id: "a" });
  unsubscribe();
  await Bun.sleep(30);
  expect(bus.wanted).toBe(false);
  publish("process.ready", {});
  const back = collect();
  bus.subscribe({ job: null, send: back.send }, last.id);
  expect(back.kinds()).toEqual(["events.gap", "process.ready"]);
  // Listening again: nothing more is lost, so there is no gap.
  const d = collect();
  bus.subscribe({ job: null, send: d.send }, last.id);
  expect(d.kinds()).toEqual(["process.ready"]);
});
