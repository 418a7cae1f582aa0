/**
 * The schedule operations the supervisor's API asks of the IO engine (`req` ops named
 * `schedule.*`), each answering an HTTP status and a body like Ops in ../ops.ts.
 *
 * Schedules from the config are the config's: PUT and DELETE refuse them (409) because the
 * next start would put the config's definition back; pause and resume work on every
 * schedule (see reconcile.ts for how a pause outlives a restart).
 */
import type { ScheduleConfig } from "../../config/schema.ts";
import { apiError, type Reply } from "../ops.ts";
import { routeTask } from "../routing.ts";
import type { Entry, Scheduler } from "./scheduler.ts";
import { scheduleView } from "./view.ts";
import type { JobState } from "../job.ts";

export type ScheduleOpsDeps = {
  scheduler: Scheduler;
  liveState(jobId: string): JobState | undefined;
  poolOrder: string[];
  announced(): Map<string, ReadonlySet<string>>;
};

const notFound = (name: string) => apiError({ status: 404, code: "not_found", message: `no schedule '${name}'; see GET /v1/schedules` });

export class ScheduleOps {
  constructor(private readonly deps: ScheduleOpsDeps) {}

  /** Serves `schedule.*` ops; false for any other op. */
  handle(op: string, args: { name?: string; spec?: ScheduleConfig }, reply: Reply): boolean {
    if (op === "schedule.list") {
      reply(200, { schedules: [...this.deps.scheduler.entries.values()].sort(byName).map((e) => this.view(e)) });
      return true;
    }
    if (op === "schedule.put") return (this.put(args.spec!, reply), true);
    const action = ACTIONS[op];
    if (!action) return false;
    const entry = this.deps.scheduler.entries.get(args.name ?? "");
    if (!entry) reply(404, notFound(args.name ?? ""));
    else action.call(this, entry, reply);
    return true;
  }

  private view(entry: Entry) {
    return scheduleView(entry, this.deps.liveState);
  }

  private put(spec: ScheduleConfig, reply: Reply): void {
    const old = this.deps.scheduler.entries.get(spec.name);
    if (old?.saved.source === "config") return reply(409, fromConfig(spec.name, "change"));
    // A task no pool serves would only ever be refused; a pool still starting gets the benefit of the doubt.
    const route = routeTask(spec.task, this.deps.poolOrder, this.deps.announced());
    if (route.kind === "unknown") return reply(400, apiError({ status: 400, code: "unknown_task", message: route.message }));
    const { created, entry } = this.deps.scheduler.put(spec);
    reply(created ? 201 : 200, this.view(entry));
  }

  get(entry: Entry, reply: Reply): void {
    reply(200, this.view(entry));
  }

  remove(entry: Entry, reply: Reply): void {
    if (entry.saved.source === "config") return reply(409, fromConfig(entry.saved.name, "remove"));
    this.deps.scheduler.remove(entry);
    reply(200, { ...this.view(entry), deleted: true });
  }

  run(entry: Entry, reply: Reply): void {
    const fired = this.deps.scheduler.runNow(entry);
    if (fired.kind === "fired") return reply(202, { id: fired.job.id, state: fired.job.state, schedule: entry.saved.name });
    if (fired.kind === "refused") return reply(fired.error.status, apiError(fired.error));
    // `done` cannot come from a manual run (it ignores max_runs); a skip is an overlap.
    const why = entry.timing.kind === "loop" ? "is a loop, which runs one run at a time," : `has overlap = "skip"`;
    const message = `schedule '${entry.saved.name}' ${why} and its last run, job ${fired.kind === "skipped" ? fired.job_id : "?"}, is still queued or running`;
    reply(409, apiError({ status: 409, code: "overlap", message }));
  }

  pause(entry: Entry, reply: Reply): void {
    this.deps.scheduler.setPaused(entry, true);
    reply(200, this.view(entry));
  }

  resume(entry: Entry, reply: Reply): void {
    this.deps.scheduler.setPaused(entry, false);
    reply(200, this.view(entry));
  }
}

const ACTIONS: Record<string, (this: ScheduleOps, entry: Entry, reply: Reply) => void> = {
  "schedule.get": ScheduleOps.prototype.get,
  "schedule.delete": ScheduleOps.prototype.remove,
  "schedule.run": ScheduleOps.prototype.run,
  "schedule.pause": ScheduleOps.prototype.pause,
  "schedule.resume": ScheduleOps.prototype.resume,
};

const byName = (a: Entry, b: Entry) => (a.saved.name < b.saved.name ? -1 : a.saved.name > b.saved.name ? 1 : 0);

function fromConfig(name: string, verb: "change" | "remove") {
  return apiError({ status: 409, code: "config_schedule", message: `schedule '${name}' is defined in the config file; ${verb} it there (pause and resume work through the API)` });
}
