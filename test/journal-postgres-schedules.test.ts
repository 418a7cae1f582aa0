/**
 * Schedules and job logs in the PostgreSQL journal (src/io/journal/pg-schedules.ts,
 * pg-job-logs.ts) and the upgrade that brings schedules (migration 2), against a real server
 * of this file's own: rows round-trip, a due run fires once whichever nodes fire it, log
 * lines keep their bound and go with a purge, and a journal at version 1 is upgraded on open
 * with its jobs kept.
 */
import { SQL } from "bun";
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import type { Job } from "../src/io/job.ts";
import { MAX_LINES_PER_ATTEMPT } from "../src/io/job-logs.ts";
import { PgJournal } from "../src/io/journal/pg-journal.ts";
import { insertJobs } from "../src/io/journal/pg-insert.ts";
import { migratePg } from "../src/io/journal/pg-migrate.ts";
import { PG_MIGRATIONS } from "../src/io/journal/pg-migrations.ts";
import type { Saved } from "../src/io/schedules/store.ts";
import { makeJob } from "./helpers/jobs.ts";
import { pgDatabase } from "./helpers/journals.ts";
import { startPostgres, type PgServer } from "./helpers/postgres.ts";

let server: PgServer;
let n = 0;
const opened: PgJournal[] = [];
beforeAll(async () => {
  server = await startPostgres();
});
afterEach(async () => {
  for (const j of opened.splice(0)) await j.close().catch(() => {});
});
afterAll(async () => {
  await server.stop();
});

async function nodes(count: number): Promise<PgJournal[]> {
  const url = await pgDatabase(server, `sched_${++n}`);
  const js = await Promise.all(Array.from({ length: count }, () => PgJournal.open(url, { maxConnections: 3 })));
  opened.push(...js);
  return js;
}

const saved = (over: Partial<Saved> = {}): Saved => ({
  name: "nightly",
  source: "config",
  spec: { name: "nightly", task: "echo", every_s: 60, loop_delay_s: 0, error_delay_s: 10, overlap: "skip", paused: false, catch_up: false, payload: { a: 1 } } as Saved["spec"],
  paused: false,
  runs: 0,
  skips: 0,
  next_run_at: 1_000,
  last_run_at: null,
  last_job: null,
  last_outcome: null,
  last_error: null,
  created_at: 1,
  updated_at: 1,
  ...over,
});

test("a schedule's row is saved, replaced, listed and deleted as written", async () => {
  const [j] = await nodes(1);
  const s = j!.schedules;
  await s.save(saved());
  await s.save(saved({ name: "hourly", paused: true, runs: 3, last_error: "x: y" }));
  await s.save(saved({ skips: 2 }));
  expect(await s.all()).toEqual([saved({ name: "hourly", paused: true, runs: 3, last_error: "x: y" }), saved({ skips: 2 })]);
  await s.delete("hourly");
  expect((await s.all()).map((r) => r.name)).toEqual(["nightly"]);
});

test("a due run fires once across nodes firing it together; an earlier due time after a later one fires nothing", async () => {
  const js = await nodes(3);
  await js[0]!.schedules.save(saved());
  const dues = [60_000, 120_000, 180_000];
  const winners: Job[] = [];
  for (const due of dues) {
    const tries = js.map((j) => ({ j, job: makeJob({ schedule: "nightly" }) }));
    const fired = await Promise.all(tries.map(({ j, job }) => j.schedules.fire("nightly", due, job, due + 60_000)));
    expect(fired.filter((f) => f !== null)).toHaveLength(1);
    const won = tries[fired.findIndex((f) => f !== null)]!.job;
    winners.push(won);
    for (const [i, { job }] of tries.entries()) expect((await js[0]!.get(job.id)) !== null).toBe(fired[i] !== null);
  }
  const [row] = await js[1]!.schedules.all();
  expect(row).toMatchObject({ runs: 3, last_job: winners[2]!.id, last_outcome: "queued", next_run_at: 240_000 });
  expect((await js[2]!.list({ schedule: "nightly", limit: 10, order: "asc" })).map((x) => x.id).sort()).toEqual(winners.map((w) => w.id).sort());
  // A node late to see the second due time fires nothing; nor does a due time fire again
  // after a node saved a stale copy (which does write its copy's counts: see PgSchedules.save).
  expect(await js[2]!.schedules.fire("nightly", 120_000, makeJob({ schedule: "nightly" }), 0)).toBeNull();
  await js[2]!.schedules.save(saved({ runs: 1 }));
  expect(await js[2]!.schedules.fire("nightly", 180_000, makeJob({ schedule: "nightly" }), 0)).toBeNull();
  expect(await js[0]!.schedules.fire("nightly", 240_000, makeJob({ schedule: "nightly" }), 300_000)).toMatchObject({ runs: 2 });
});

test("a journal at version 1 is upgraded to the latest on open, its jobs kept", async () => {
  const url = await pgDatabase(server, `upgrade_${++n}`);
  const sql = new SQL(url, { max: 1 });
  expect(await migratePg(sql, "test", PG_MIGRATIONS.slice(0, 1))).toEqual({ from: 0, to: 1 });
  const job = makeJob({ idempotency_key: "k" });
  await sql.begin((tx) => insertJobs(tx, [job]));
  await sql.close();
  const j = await PgJournal.open(url);
  opened.push(j);
  expect(j.migrated).toEqual({ from: 1, to: PG_MIGRATIONS.length });
  expect(await j.get(job.id)).toEqual(job);
  expect(await j.schedules.all()).toEqual([]);
  const again = await PgJournal.open(url);
  opened.push(again);
  expect(again.migrated).toEqual({ from: PG_MIGRATIONS.length, to: PG_MIGRATIONS.length });
});

test("log lines are kept per attempt in order, within the bound, and purged with their job", async () => {
  const [j] = await nodes(1);
  const job = makeJob({ state: "succeeded", finished_at: 10 });
  await j!.insert([job]);
  const line = (i: number) => ({ at: `2026-01-01T00:00:0${i % 10}Z`, level: "info" as const, line: `line ${i}` });
  expect(await j!.logs.add({ t: "log", id: job.id, attempt: 2, lines: [line(3)] })).toBe(1);
  expect(await j!.logs.add({ t: "log", id: job.id, attempt: 1, lines: [line(1), line(2)] })).toBe(2);
  expect(await j!.logs.of(job.id)).toEqual([
    { attempt: 1, lines: [line(1), line(2)] },
    { attempt: 2, lines: [line(3)] },
  ]);
  const many = Array.from({ length: MAX_LINES_PER_ATTEMPT + 5 }, (_, i) => line(i));
  expect(await j!.logs.add({ t: "log", id: job.id, attempt: 1, lines: many })).toBe(MAX_LINES_PER_ATTEMPT - 2);
  expect(await j!.logs.add({ t: "log", id: job.id, attempt: 1, lines: [line(0)] })).toBe(0);
  expect((await j!.logs.of(job.id))[0]!.lines).toHaveLength(MAX_LINES_PER_ATTEMPT);
  expect(await j!.purge(11)).toEqual({ succeeded: 1 });
  expect(await j!.logs.of(job.id)).toEqual([]);
});
