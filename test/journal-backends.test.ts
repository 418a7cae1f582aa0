/**
 * One journal suite, both backends (src/io/journal/interface.ts): what the IO engine relies
 * on (jobs, idempotency, listing, purge, pool tasks, schedules' rows, job logs) must mean the
 * same in the embedded SQLite file and in PostgreSQL. A real PostgreSQL
 * (a private server for this file, test/helpers/postgres.ts), no mock.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Job } from "../src/io/job.ts";
import { MAX_LINES_PER_ATTEMPT } from "../src/io/job-logs.ts";
import { IdempotencyConflictError, type JobJournal } from "../src/io/journal/interface.ts";
import { SchemaTooNewError } from "../src/io/journal/migrations.ts";
import type { ListFilter } from "../src/io/submission.ts";
import { makeJob, makeSaved } from "./helpers/jobs.ts";
import { postgresBackend, sqliteBackend, type Place } from "./helpers/journals.ts";

const backends = [sqliteBackend(), postgresBackend()];

describe.each(backends)("the $name journal", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  /** A fresh journal; closed at the end of the test body. */
  async function withJournal(fn: (j: JobJournal, place: Place) => Promise<void>): Promise<void> {
    const place = await backend.place();
    const journal = await place.open();
    try {
      await fn(journal, place);
    } finally {
      await journal.close();
    }
  }

  const ids = (jobs: Job[]) => jobs.map((j) => j.id);
  const all: ListFilter = { limit: 100, order: "asc" };

  test("insert then get gives the job back field for field; an unknown id is null", () =>
    withJournal(async (j) => {
      const job = makeJob({ payload: { z: 1, a: [null, "two", { deep: true }] }, priority: -3, not_before: 1_700_000_999_000, session_id: "s1", worker: { id: "w1", pid: 9 }, execution_ms: 12.5, error: { type: "E", message: "m" } });
      await j.insert([job]);
      expect(await j.get(job.id)).toEqual(job);
      expect(JSON.stringify((await j.get(job.id))?.payload)).toBe(JSON.stringify(job.payload)); // the payload's key order too
      expect(await j.get("nope")).toBeNull();
    }));

  test("a batch is all or none: a duplicate id anywhere in it inserts nothing", () =>
    withJournal(async (j) => {
      const first = makeJob();
      await j.insert([first]);
      await expect(j.insert([makeJob(), makeJob(), { ...makeJob(), id: first.id }])).rejects.toThrow();
      expect(ids(await j.list(all))).toEqual([first.id]);
      const many = Array.from({ length: 2500 }, () => makeJob());
      await j.insert(many);
      expect((await j.counts()).queued).toBe(2501);
    }));

  test("idempotency keys are unique: a second job with a taken key is refused, the first untouched", () =>
    withJournal(async (j) => {
      const first = makeJob({ idempotency_key: "order-42" });
      await j.insert([first, makeJob()]);
      expect((await j.byIdempotencyKey("order-42"))?.id).toBe(first.id);
      expect(await j.byIdempotencyKey("other")).toBeNull();
      const again = makeJob({ idempotency_key: "order-42" });
      const err = await j.insert([makeJob(), again]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IdempotencyConflictError);
      expect((err as IdempotencyConflictError).key).toBe("order-42");
      expect(await j.get(again.id)).toBeNull();
      expect((await j.list(all)).length).toBe(2);
      await j.insert([makeJob({ idempotency_key: null }), makeJob({ idempotency_key: null })]); // no key: never a conflict
    }));

  test("list filters by state, task and schedule, pages by cursor both ways, and limits", () =>
    withJournal(async (j) => {
      const jobs = [
        makeJob({ task: "a" }),
        makeJob({ task: "b", state: "running", attempts: 1 }),
        makeJob({ task: "a", state: "succeeded", finished_at: 10, schedule: "nightly" }),
        makeJob({ task: "b", schedule: "nightly" }),
        makeJob({ task: "a", state: "failed", finished_at: 20 }),
      ];
      await j.insert(jobs);
      const [q1, r, s, q2, f] = jobs.map((x) => x.id);
      expect(ids(await j.list(all))).toEqual([q1!, r!, s!, q2!, f!]);
      expect(ids(await j.list({ ...all, order: "desc" }))).toEqual([f!, q2!, s!, r!, q1!]);
      expect(ids(await j.list({ ...all, state: "queued" }))).toEqual([q1!, q2!]);
      expect(ids(await j.list({ ...all, task: "a" }))).toEqual([q1!, s!, f!]);
      expect(ids(await j.list({ ...all, schedule: "nightly" }))).toEqual([s!, q2!]);
      expect(ids(await j.list({ ...all, task: "a", state: "failed" }))).toEqual([f!]);
      expect(ids(await j.list({ ...all, after: r }))).toEqual([s!, q2!, f!]);
      expect(ids(await j.list({ ...all, after: q2, order: "desc" }))).toEqual([s!, r!, q1!]);
      expect(ids(await j.list({ ...all, limit: 2 }))).toEqual([q1!, r!]);
      expect(ids(await j.list({ ...all, limit: 2, after: r }))).toEqual([s!, q2!]);
      expect(await j.list({ ...all, state: "cancelled" })).toEqual([]);
    }));

  test("counts name every state, zero where none", () =>
    withJournal(async (j) => {
      await j.insert([makeJob(), makeJob(), makeJob({ state: "running" }), makeJob({ state: "timed_out", finished_at: 1 })]);
      const counts = await j.counts();
      expect(counts).toMatchObject({ queued: 2, running: 1, timed_out: 1, succeeded: 0, failed: 0, cancelled: 0 });
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(4);
    }));

  test("purge deletes terminal jobs finished before the time, and says how many per state", () =>
    withJournal(async (j) => {
      const old = [makeJob({ state: "succeeded", finished_at: 100 }), makeJob({ state: "succeeded", finished_at: 200 }), makeJob({ state: "failed", finished_at: 300 })];
      const kept = [makeJob({ state: "succeeded", finished_at: 5_000 }), makeJob(), makeJob({ state: "running" })];
      await j.insert([...old, ...kept]);
      expect(await j.purge(1_000)).toEqual({ succeeded: 2, failed: 1 });
      expect(ids(await j.list(all)).sort()).toEqual(ids(kept).sort());
      expect(await j.purge(1_000)).toEqual({});
    }));

  test("pool tasks are saved per pool, replaced on a second save, and outlive a reopen", async () => {
    const place = await backend.place();
    const j = await place.open();
    await j.savePoolTasks("default", ["echo", "sleep"]);
    await j.savePoolTasks("py", ["embed"]);
    await j.savePoolTasks("default", ["echo"]);
    const job = makeJob();
    await j.insert([job]);
    await j.close();
    const again = await place.open();
    expect(await again.poolTasks()).toEqual(new Map([["default", ["echo"]], ["py", ["embed"]]]));
    expect(await again.get(job.id)).toEqual(job);
    await again.close();
  });

  test("a schedule's row is saved, replaced, listed and deleted as written", () =>
    withJournal(async (j) => {
      await j.schedules.save(makeSaved());
      await j.schedules.save(makeSaved({ name: "hourly", source: "api", paused: true, runs: 3, last_error: "x: y", last_run_at: 1_700_000_000_000 }));
      await j.schedules.save(makeSaved({ skips: 2 }));
      expect(await j.schedules.all()).toEqual([makeSaved({ name: "hourly", source: "api", paused: true, runs: 3, last_error: "x: y", last_run_at: 1_700_000_000_000 }), makeSaved({ skips: 2 })]);
      await j.schedules.delete("hourly");
      expect((await j.schedules.all()).map((r) => r.name)).toEqual(["nightly"]);
    }));

  test("log lines are kept per attempt in order, within the bound, and purged with their job", () =>
    withJournal(async (j) => {
      const job = makeJob({ state: "succeeded", finished_at: 10 });
      await j.insert([job]);
      const line = (i: number) => ({ at: `2026-01-01T00:00:0${i % 10}Z`, level: "info" as const, line: `line ${i}` });
      await j.logs.add({ t: "log", id: job.id, attempt: 2, lines: [line(3)] });
      await j.logs.add({ t: "log", id: job.id, attempt: 1, lines: [line(1), line(2)] });
      expect(await j.logs.of(job.id)).toEqual([
        { attempt: 1, lines: [line(1), line(2)] },
        { attempt: 2, lines: [line(3)] },
      ]);
      await j.logs.add({ t: "log", id: job.id, attempt: 1, lines: Array.from({ length: MAX_LINES_PER_ATTEMPT + 5 }, (_, i) => line(i)) });
      await j.logs.add({ t: "log", id: job.id, attempt: 1, lines: [line(0)] });
      const [first] = await j.logs.of(job.id);
      expect(first!.lines).toHaveLength(MAX_LINES_PER_ATTEMPT);
      expect(first!.lines.slice(0, 3)).toEqual([line(1), line(2), line(0)]);
      expect(await j.purge(11)).toEqual({ succeeded: 1 });
      expect(await j.logs.of(job.id)).toEqual([]);
    }));

  test("a journal whose schema is newer than this gaia knows is refused", async () => {
    const place = await backend.place();
    await (await place.open()).close();
    await place.raw(`INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'from the future', 0)`);
    const err = await place.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaTooNewError);
    expect((err as Error).message).toMatch(/schema version 99, newer than this gaia knows \(\d+\): it was written by a newer gaia/);
  });
});
