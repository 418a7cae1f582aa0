/**
 * A `[[schedules]]` entry (SPEC §10), checked as the IO engine will run it: a cron pattern and
 * a timezone are checked with croner itself, so a schedule that loads is one that fires. The
 * API's schedule body (src/api/shapes/schedules.ts) reuses the fields and the checks.
 */
import { Cron } from "croner";
import { z } from "zod";
import { int, name } from "./fields.ts";

const positiveInt = int(1);

/** The longest wait a schedule may ask for, in seconds (about 31 years). */
const MAX_WAIT_S = 1e9;
const TOO_LONG = "expected at most 1e9 seconds (about 31 years)";

/** A [[schedules]] entry's keys; `Schedule` adds the checks across keys (the API's body reuses both). */
export const ScheduleFields = z
  .object({
    name,
    task: z.string().min(1),
    payload: z.unknown().optional(),
    cron: z.string().optional(),
    timezone: z.string().optional(),
    // Bounds: a schedule faster than 10 fires a second is a loop's job, and a wait beyond
    // ~31 years would put its next run past the dates JavaScript can hold.
    every_s: z.number().min(0.1).max(MAX_WAIT_S, { error: TOO_LONG }).optional(),
    loop: z.boolean().optional(),
    loop_delay_s: z.number().min(0).max(MAX_WAIT_S, { error: TOO_LONG }).default(0),
    error_delay_s: z.number().min(0).max(MAX_WAIT_S, { error: TOO_LONG }).default(10),
    max_runs: positiveInt.optional(),
    overlap: z.enum(["skip", "queue"]).default("skip"),
    paused: z.boolean().default(false),
    catch_up: z.boolean().default(false),
  })
  .strict();

type Timing = { cron?: string; every_s?: number; loop?: boolean; timezone?: string };

/** The checks across a schedule's keys: exactly one timing, a cron pattern croner takes, a timezone only with cron. */
export function scheduleChecks<S extends z.ZodType<Timing>>(fields: S): S {
  return fields
    // `when`: check even if another key of this schedule failed, so every problem shows at once.
    .refine((s) => [s.cron, s.every_s, s.loop].filter((x) => x !== undefined && x !== false).length === 1, {
      message: "set exactly one of cron, every_s or loop = true",
      when: (payload) => typeof payload.value === "object" && payload.value !== null,
    })
    .superRefine((s, ctx) => {
      const fields = typeof s.cron === "string" ? s.cron.trim().split(/\s+/).length : undefined;
      if (fields !== undefined && fields !== 5 && fields !== 6) {
        ctx.addIssue({ code: "custom", path: ["cron"], message: `expected 5 fields (minute hour day month weekday), or 6 with seconds first, got ${fields}` });
      } else if (typeof s.cron === "string") {
        const problem = cronProblem(s.cron, typeof s.timezone === "string" ? s.timezone : undefined);
        if (problem) ctx.addIssue({ code: "custom", path: [problem.key], message: problem.message });
      }
      if (s.timezone !== undefined && s.cron === undefined) {
        ctx.addIssue({ code: "custom", path: ["timezone"], message: "a timezone applies to a cron pattern only; every_s and loop do not use one" });
      }
    }, { when: (payload) => typeof payload.value === "object" && payload.value !== null });
}

export const Schedule = scheduleChecks(ScheduleFields);

/** What croner says about a pattern and a timezone (croner's own words), or null when both are fine. */
function cronProblem(pattern: string, timezone: string | undefined): { key: "cron" | "timezone"; message: string } | null {
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    } catch {
      return { key: "timezone", message: `unknown time zone "${timezone}" (use an IANA name such as "Europe/Paris" or "UTC")` };
    }
  }
  try {
    // croner refuses a trailing space in the weekday field; the pattern is trimmed where it runs too.
    new Cron(pattern.trim(), { paused: true, timezone });
    return null;
  } catch (err) {
    return { key: "cron", message: (err as Error).message.replace(/^CronPattern: /, "") };
  }
}
