/**
 * Schedules (SPEC §10): the body of `PUT /v1/schedules/NAME` is a [[schedules]] entry, with the
 * config's own keys, defaults and checks (src/config/schema.ts), its name optional (it must
 * match the URL's); the answers show the definition (unset keys as null) and where it stands.
 */
import { z } from "zod";
import { scheduleChecks, ScheduleFields } from "../../config/schema.ts";
import { JobStateSchema } from "../../protocol/job-states.ts";
import { request, response, Time } from "./registry.ts";

/** A schedule's name in a URL; the same rule as the config's, bounded. */
export const SCHEDULE_NAME = /^[A-Za-z0-9_.-]{1,200}$/;

export const ScheduleBody = request(
  "ScheduleBody",
  scheduleChecks(ScheduleFields.extend({ name: ScheduleFields.shape.name.optional().meta({ description: "optional; must match the URL's" }) })),
  "a [[schedules]] entry: exactly one of cron (5 fields, or 6 with seconds first; timezone an IANA zone), every_s or loop = true",
  [{ task: "echo", every_s: 3600 }, { task: "echo", cron: "0 3 * * *", timezone: "Europe/Paris", payload: { report: "daily" } }],
);

export const Schedule = response(
  "Schedule",
  z.object({
    name: z.string(),
    source: z.enum(["config", "api"]),
    task: z.string(),
    payload: z.unknown(),
    cron: z.string().nullable(),
    timezone: z.string().nullable(),
    every_s: z.number().nullable(),
    loop: z.boolean(),
    loop_delay_s: z.number(),
    error_delay_s: z.number(),
    max_runs: z.number().int().nullable(),
    overlap: z.enum(["skip", "queue"]),
    catch_up: z.boolean(),
    paused: z.boolean(),
    state: z.enum(["scheduled", "running", "paused", "done"]),
    runs: z.number().int(),
    skips: z.number().int(),
    next_run_at: Time.nullable(),
    last_run_at: Time.nullable(),
    last_job: z.string().nullable(),
    last_outcome: z.string().nullable().meta({ description: "the last job's state (live while it runs), or refused when a due run could make no job" }),
    last_error: z.string().nullable(),
    created_at: Time.nullable(),
    updated_at: Time.nullable(),
  }),
  "the definition (unset keys as null) and where the schedule stands",
);
/** src/io/schedules/view.ts builds it. */
export type ScheduleView = z.output<typeof Schedule>;

export const ScheduleList = response("ScheduleList", z.object({ schedules: z.array(Schedule) }), "every schedule, by name");
export const ScheduleDeleted = response("ScheduleDeleted", Schedule.extend({ deleted: z.literal(true) }), "removed; the jobs it made stay");
export const ScheduleRun = response("ScheduleRun", z.object({ id: z.string(), state: JobStateSchema, schedule: z.string() }), "the job the run made");
