/**
 * The scheduler's shell with an in-memory SQLite and a fake admission: what it journals and
 * which events it hands the supervisor (`schedule.fired`, `schedule.skipped`).
 */
import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { Schedule } from "../../config/schema.ts";
import type { Job, JobState } from "../job.ts";
import type { Admission } from "../ops.ts";
import { Refusal } from "../refusal.ts";
import { Scheduler } from "./scheduler.ts";
import { ScheduleStore } from "./store.ts";

const schedulers: Scheduler[] = [];
afterEach(() => {
  for (const s of schedulers.splice(0)) for (const e of s.entries.values()) s.remove(e);
});

function harness(admit?: (task: string) => Admission) {
  const live = new Map<string, Job>();
  const events: { kind: string; data: Record<string, unknown> }[] = [];
  const store = new ScheduleStore(new Database(":memory:"));
  let n = 0;
  const scheduler = new Scheduler(store, {
    submit: (body, schedule) => {
      const refused = admit?.(body.task);
      if (refused) return refused;
      const job = { id: `job-${++n}`, task: body.task, state: "queued" as JobState, created_at: Date.now(), schedule, error: null } as Job;
      live.set(job.id, job);
      return { ok: true, jobs: [job] };
    },
    liveState: (id) => live.get(id)?.state,
    draining: () => false,
    notify: (kind, data) => events.push({ kind, data }),
    log: () => {},
  });
  schedulers.push(scheduler);
  const end = (id: string, state: JobState) => {
    const job = live.get(id)!;
    live.delete(id);
    job.state = state;
    scheduler.jobEnded(job);
  };
  return { scheduler, store, events, end };
}

/** Waits for `check` (timers run late on a busy machine; a fixed sleep would be flaky). */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await Bun.sleep(2);
  }
}

const spec = (keys: Record<string, unknown>) => Schedule.parse({ name: "s", task: "echo", ...keys });

test("a fire journals the run and tells the supervisor; a fire while it runs is a skip", async () => {
  const { scheduler, store, events, end } = harness();
  scheduler.put(spec({ every_s: 0.1 }));
  await until(() => events.length >= 2);
  expect(events[0]).toEqual({ kind: "schedule.fired", data: { name: "s", job_id: "job-1", reason: "schedule", due_at: expect.any(String), late_ms: expect.any(Number) } });
  expect(events[1]).toEqual({ kind: "schedule.skipped", data: { name: "s", reason: "overlap", message: "its last run, job job-1, is still queued", due_at: expect.any(String) } });
  end("job-1", "succeeded");
  const saved = store.all()[0]!;
  expect(saved).toMatchObject({ name: "s", source: "api", runs: 1, last_job: "job-1", last_outcome: "succeeded" });
  expect(saved.skips).toBeGreaterThanOrEqual(1);
});

test("a refused run is recorded as a skip with the API's reason; a manual run's refusal is only returned", async () => {
  const refused: Admission = { ok: false, error: new Refusal(429, "queue_full", "pool 'default' is full") };
  const { scheduler, store, events } = harness(() => refused);
  const { entry } = scheduler.put(spec({ every_s: 0.1 }));
  await until(() => events.length >= 1);
  expect(events[0]).toMatchObject({ kind: "schedule.skipped", data: { reason: "queue_full", message: "pool 'default' is full" } });
  expect(store.all()[0]).toMatchObject({ runs: 0, last_outcome: "refused", last_error: "queue_full: pool 'default' is full" });
  const before = events.length;
  expect(scheduler.runNow(entry)).toEqual({ kind: "refused", error: refused.error });
  expect(events.length).toBe(before);
});

test("a loop runs again after its run ends, and stops at max_runs", async () => {
  const { scheduler, store, end } = harness();
  const { entry } = scheduler.put(spec({ loop: true, max_runs: 2, loop_delay_s: 0.01 }));
  await until(() => entry.saved.runs === 1); // due at once, on the next timer turn
  expect(entry.saved).toMatchObject({ runs: 1, last_job: "job-1", next_run_at: null });
  end("job-1", "succeeded");
  expect(entry.clock.kind).toBe("armed");
  await until(() => entry.saved.runs === 2);
  end("job-2", "failed");
  expect(entry.clock.kind).toBe("idle");
  expect(store.all()[0]).toMatchObject({ runs: 2, last_outcome: "failed", next_run_at: null });
});

test("a loop whose run ends inside its own submission runs again; a refused loop waits at least 1 s", async () => {
  let n = 0;
  const store = new ScheduleStore(new Database(":memory:"));
  const scheduler: Scheduler = new Scheduler(store, {
    submit: (body, schedule) => {
      // Two runs, then every run is refused (the task is served no more).
      if (n >= 2) return { ok: false, error: new Refusal(400, "unknown_task", "no pool serves it") };
      // As the engine's orphanTask does: the job fails during its own admission.
      const job = { id: `job-${++n}`, task: body.task, state: "failed", created_at: Date.now(), schedule, error: null } as unknown as Job;
      scheduler.jobEnded(job);
      return { ok: true, jobs: [job] };
    },
    liveState: () => undefined,
    draining: () => false,
    notify: () => {},
    log: () => {},
  });
  schedulers.push(scheduler);
  const { entry } = scheduler.put(spec({ loop: true, error_delay_s: 0 }));
  await until(() => store.all()[0]!.skips === 1); // two runs (it did not stall after the first), then a refusal
  expect(entry.saved.runs).toBe(2);
  const wait = entry.clock.kind === "armed" ? entry.clock.at - Date.now() : -1;
  expect(wait).toBeGreaterThan(500); // error_delay_s = 0, yet no hot loop
});
