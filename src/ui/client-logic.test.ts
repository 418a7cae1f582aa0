/**
 * The dashboard's pure parts, without a browser: when it reads the API again (the Refresher
 * on a fake clock), what each event kind marks, the chart figures and their SVG, and the
 * formats. The page itself is tested in a real Chromium (test/ui-browser.test.ts).
 */
import { describe, expect, test } from "bun:test";
import { chartSvg, escapeXml, niceMax } from "./client/chart.ts";
import { ago, bytes, cadence, duration, exit, lease, mib } from "./client/format.ts";
import { affected, Refresher } from "./client/refresher.ts";
import { BUCKET_MS, Depths, Throughput, WINDOW_MS } from "./client/series.ts";

function fakeClock() {
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  return {
    clock: { now: () => now, setTimeout: (fn: () => void, ms: number) => timers.push({ at: now + ms, fn }) },
    async advance(ms: number) {
      now += ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers.splice(timers.indexOf(due), 1);
        due.fn();
        await Bun.sleep(0);
      }
      await Bun.sleep(0);
    },
  };
}

describe("Refresher", () => {
  test("a mark reads at once; a burst of marks in the gap costs one more read, after the gap", async () => {
    const { clock, advance } = fakeClock();
    const reads: number[] = [];
    const r = new Refresher<"jobs">(async () => void reads.push(clock.now()), 1000, clock);
    r.mark("jobs");
    await advance(0);
    expect(reads).toEqual([0]);
    for (let i = 0; i < 1000; i++) r.mark("jobs");
    await advance(500);
    expect(reads).toEqual([0]);
    await advance(500);
    expect(reads).toEqual([0, 1000]);
    await advance(10_000);
    expect(reads).toEqual([0, 1000]); // nothing marked: nothing read
  });

  test("a read in flight is not doubled; a mark meanwhile reads once after it", async () => {
    const { clock, advance } = fakeClock();
    let release = () => {};
    let reads = 0;
    const r = new Refresher<"x">(() => (reads++, new Promise<void>((done) => (release = done))), 100, clock);
    r.mark("x");
    r.mark("x");
    await advance(5000);
    expect(reads).toBe(1);
    release();
    await advance(0);
    expect(reads).toBe(2);
  });

  test("a failed read does not stop later ones", async () => {
    const { clock, advance } = fakeClock();
    let reads = 0;
    const r = new Refresher<"x">(async () => (reads++, Promise.reject(new Error("503"))), 10, clock);
    r.mark("x");
    await advance(20);
    r.mark("x");
    await advance(20);
    expect(reads).toBe(2);
  });

  test("events mark what they change", () => {
    expect(affected("job.finished")).toContain("jobs");
    expect(affected("job.progress")).toEqual(["job"]);
    expect(affected("process.exited")).toEqual(expect.arrayContaining(["workers", "status"]));
    expect(affected("schedule.fired")).toEqual(["schedules"]);
    expect(affected("events.gap")).toHaveLength(9);
  });
});

describe("chart figures", () => {
  test("jobs per second: finished jobs counted per bucket, by succeeded or not", () => {
    const t = new Throughput();
    const now = 100 * BUCKET_MS + 1234;
    for (let i = 0; i < 10; i++) t.count(now - BUCKET_MS, "succeeded");
    t.count(now - BUCKET_MS, "failed");
    t.count(now, "succeeded"); // the bucket still filling is not shown yet
    const [ok, other] = t.lines(now);
    expect(ok!.points).toHaveLength(WINDOW_MS / BUCKET_MS);
    expect(ok!.points.at(-1)!.v).toBe(10 / (BUCKET_MS / 1000));
    expect(other!.points.at(-1)!.v).toBe(1 / (BUCKET_MS / 1000));
    expect(ok!.points.slice(0, -1).every((p) => p.v === 0)).toBe(true);
  });

  test("queue depth: a step line per pool, held to now; samples older than the window go", () => {
    const d = new Depths();
    d.add({ t: 0, queued: { a: 5 }, running: 1 });
    d.add({ t: 1000, queued: { a: 2, b: 7 }, running: 2 });
    const lines = d.lines(3000);
    expect(lines.map((l) => l.name)).toEqual(["queued: a", "queued: b", "running"]);
    expect(lines[0]!.points).toEqual([{ t: 0, v: 5 }, { t: 1000, v: 5 }, { t: 1000, v: 2 }, { t: 3000, v: 2 }]);
    d.add({ t: WINDOW_MS + 5000, queued: { a: 0 }, running: 0 });
    expect(d.lines(WINDOW_MS + 6000)[0]!.points[0]!.t).toBe(6000); // clipped to the window's start
  });

  test("the SVG escapes names and ends the axis on a round number", () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(13)).toBe(20);
    expect(niceMax(260)).toBe(500);
    const svg = chartSvg({ title: "t", from: 0, to: 600_000, lines: [{ name: `<pool "x">`, points: [{ t: 0, v: 3 }, { t: 600_000, v: 13 }] }] });
    expect(svg).toStartWith("<svg");
    expect(svg).toContain(escapeXml(`<pool "x">`));
    expect(svg).not.toContain(`<pool "x">`);
    expect(svg).toContain(">20<"); // the y axis' top
    expect(svg).toContain("-10 min");
  });
});

test("formats", () => {
  expect(mib(51768)).toBe("50.6");
  expect(mib(null)).toBe("-");
  expect(bytes(0)).toBe("0 B");
  expect(bytes(12638029824)).toBe("11.8 GiB");
  expect(duration(0.25)).toBe("0.25 ms");
  expect(duration(0.004)).toBe("<0.01 ms");
  expect(duration(2500)).toBe("2.50 s");
  expect(ago("2026-12-01T21:18:52.000Z", Date.parse("2026-12-01T21:19:52.000Z"))).toBe("1 min ago");
  expect(ago("2026-12-01T21:20:52.000Z", Date.parse("2026-12-01T21:19:52.000Z"))).toBe("in 1 min");
  expect(lease({ state: "alive", lease_until: "2026-12-01T21:20:04.000Z" }, Date.parse("2026-12-01T21:19:52.000Z"))).toBe("12 s left");
  expect(lease({ state: "lapsed", lease_until: "2026-12-01T21:16:52.000Z" }, Date.parse("2026-12-01T21:19:52.000Z"))).toBe("lapsed 3 min ago");
  expect(lease({ state: "alive", lease_until: "2026-12-01T21:19:50.000Z" }, Date.parse("2026-12-01T21:19:52.000Z"))).toBe("0 s left"); // clocks apart: clamped
  expect(exit({ code: null, signal: "SIGKILL", reason: "crash" })).toBe("SIGKILL (crash)");
  expect(exit({ code: 1, signal: null, reason: "crash" })).toBe("code 1 (crash)");
  expect(cadence({ cron: "0 3 * * *", timezone: "UTC", every_s: null, loop: false })).toBe("cron 0 3 * * * (UTC)");
  expect(cadence({ cron: null, timezone: null, every_s: 60, loop: false })).toBe("every 60 s");
});
