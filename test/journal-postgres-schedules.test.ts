/**
 * What only the PostgreSQL journal's schedules do (src/io/journal/pg-schedules.ts), and the
 * upgrade that brings them (migration 2), against a real server of this file's own: a due
 * run fires once whichever nodes fire it, and a journal at version 1 is upgraded on open
 * with its jobs kept. Their rows, as both backends keep them: journal-backends.test.ts.
 */
import { expect, test } from "bun:test";
import type { Job } from "../src/io/job.ts";
import { insertJobs } from "../src/io/journal/pg-insert.ts";
import { migratePg } from "../src/io/journal/pg-migrate.ts";
import { PG_MIGRATIONS } from "../src/io/journal/pg-migrations.ts";
import { makeJob, makeSaved as saved } from "./helpers/jobs.ts";
import { pgNodes, sqlFor } from "./helpers/journals.ts";

const pg = pgNodes("sched", 3);
const nodes = async (count: number) => (await pg.nodes(count)).js;

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
  const url = await pg.database();
  const sql = sqlFor(url);
  expect(await migratePg(sql, "test", PG_MIGRATIONS.slice(0, 1))).toEqual({ from: 0, to: 1 });
  const job = makeJob({ idempotency_key: "k" });
  await sql.begin((tx) => insertJobs(tx, [job]));
  await sql.close();
  const j = await pg.open(url, {}); // the default pool size
  expect(j.migrated).toEqual({ from: 1, to: PG_MIGRATIONS.length });
  expect(await j.get(job.id)).toEqual(job);
  expect(await j.schedules.all()).toEqual([]);
  const again = await pg.open(url, {}); // the default pool size
  expect(again.migrated).toEqual({ from: PG_MIGRATIONS.length, to: PG_MIGRATIONS.length });
});

