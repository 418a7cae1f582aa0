/**
 * The schedule operations the API asks of the engine (SPEC §10), each returning its answer
 * or throwing a Refusal, like ../ops.ts.
 *
 * Schedules from the config are the config's: PUT and DELETE refuse them (409) because the
 * next start would put the config's definition back; pause and resume work on every
 * schedule (see reconcile.ts for how a pause outlives a restart).
 */
import type { ScheduleConfig } from "../../config/schema.ts";
import type { JobState } from "../../protocol/job-states.ts";
import { routeTask } from "../dispatch/routing.ts";
import { Refusal } from "../refusal.ts";
import type { Entry, Scheduler } from "./scheduler.ts";
import { scheduleView, type ScheduleView } from "./view.ts";

export type ScheduleOpsDeps = {
  scheduler: Scheduler;
  liveState(jobId: string): JobState | undefined;
  poolOrder: string[];
  announced(): Map<string, ReadonlySet<string>>;
};

const byName = (a: Entry, b: Entry) => (a.saved.name < b.saved.name ? -1 : a.saved.name > b.saved.name ? 1 : 0);

export class ScheduleOps {
  constructor(private readonly deps: ScheduleOpsDeps) {}

  list(): { schedules: ScheduleView[] } {
    return { schedules: [...this.deps.scheduler.entries.values()].sort(byName).map((e) => this.view(e)) };
  }

  get(name: string): ScheduleView {
    return this.view(this.entry(name));
  }

  /** Create (201) or replace (200) a schedule defined through the API. */
  put(spec: ScheduleConfig): { created: boolean; schedule: ScheduleView } {
    const old = this.deps.scheduler.entries.get(spec.name);
    if (old?.saved.source === "config") throw fromConfig(spec.name, "change");
    // A task no pool serves would only ever be refused; a pool still starting gets the benefit of the doubt.
    const route = routeTask(spec.task, this.deps.poolOrder, this.deps.announced());
    if (route.kind === "unknown") throw new Refusal(400, "unknown_task", route.message);
    const { created, entry } = this.deps.scheduler.put(spec);
    return { created, schedule: this.view(entry) };
  }

  remove(name: string): ScheduleView & { deleted: true } {
    const entry = this.entry(name);
    if (entry.saved.source === "config") throw fromConfig(entry.saved.name, "remove");
    this.deps.scheduler.remove(entry);
    return { ...this.view(entry), deleted: true };
  }

  run(name: string): { id: string; state: JobState; schedule: string } {
    const entry = this.entry(name);
    const fired = this.deps.scheduler.runNow(entry);
    if (fired.kind === "fired") return { id: fired.job.id, state: fired.job.state, schedule: entry.saved.name };
    if (fired.kind === "refused") throw fired.error;
    // `done` cannot come from a manual run (it ignores max_runs); a skip is an overlap.
    const why = entry.timing.kind === "loop" ? "is a loop, which runs one run at a time," : `has overlap = "skip"`;
    throw new Refusal(409, "overlap", `schedule '${entry.saved.name}' ${why} and its last run, job ${fired.kind === "skipped" ? fired.job_id : "?"}, is still queued or running`);
  }

  setPaused(name: string, paused: boolean): ScheduleView {
    const entry = this.entry(name);
    this.deps.scheduler.setPaused(entry, paused);
    return this.view(entry);
  }

  private entry(name: string): Entry {
    const entry = this.deps.scheduler.entries.get(name);
    if (!entry) throw new Refusal(404, "not_found", `no schedule '${name}'; see GET /v1/schedules`);
    return entry;
  }

  private view(entry: Entry): ScheduleView {
    return scheduleView(entry, this.deps.liveState);
  }
}

function fromConfig(name: string, verb: "change" | "remove"): Refusal {
  return new Refusal(409, "config_schedule", `schedule '${name}' is defined in the config file; ${verb} it there (pause and resume work through the API)`);
}
