/**
 * `client.schedules`: the schedule routes (SPEC §10). `put` takes a `[[schedules]]` entry
 * without its name (the name is in the URL); schedules from the config refuse `put` and
 * `delete` with 409 `config_schedule`.
 */
import { segment, type Transport } from "./transport.ts";
import type { Schedule, ScheduleDefinition, ScheduleRun } from "./types.ts";

export class SchedulesApi {
  constructor(private readonly transport: Transport) {}

  list(): Promise<{ schedules: Schedule[] }> {
    return this.transport.call("GET", "/v1/schedules");
  }

  get(name: string): Promise<Schedule> {
    return this.transport.call("GET", this.path(name));
  }

  /** Creates or replaces the schedule `name`. */
  put(name: string, definition: ScheduleDefinition): Promise<Schedule> {
    return this.transport.call("PUT", this.path(name), { json: definition });
  }

  delete(name: string): Promise<Schedule & { deleted?: boolean }> {
    return this.transport.call("DELETE", this.path(name));
  }

  /** Runs it now, paused or not: the new job's id (409 `overlap` while its last run goes on). */
  run(name: string): Promise<ScheduleRun> {
    return this.transport.call("POST", `${this.path(name)}/run`);
  }

  pause(name: string): Promise<Schedule> {
    return this.transport.call("POST", `${this.path(name)}/pause`);
  }

  resume(name: string): Promise<Schedule> {
    return this.transport.call("POST", `${this.path(name)}/resume`);
  }

  private path(name: string): string {
    return `/v1/schedules/${segment(name)}`;
  }
}
