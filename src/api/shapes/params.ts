/**
 * Query and path parameters of the control API. The routes read their queries through these
 * schemas (src/api/body.ts's `queryOf`), and the document lists each key of them as a
 * parameter; a query key a schema does not name is ignored, except on `GET /v1/jobs`, whose
 * query is strict (jobs.ts: a typo in a filter would list every job).
 */
import { z } from "zod";
import { NAME_RE } from "../../arrays/names.ts";
import { SCHEDULE_NAME } from "./schedules.ts";

export const MAX_WAIT_S = 3600;

/** A number of seconds from 0 to MAX_WAIT_S, fractions allowed; absent or empty: do not wait. */
function seconds(what: string) {
  const error = `expected ${what} in seconds from 0 to ${MAX_WAIT_S}`;
  return z.coerce.number({ error }).min(0, { error }).max(MAX_WAIT_S, { error }).optional();
}

const flag = z.enum(["", "true", "false", "1", "0"], { error: "expected true or false" }).optional();

export const WaitQuery = z.object({ wait: seconds("a wait").meta({ description: "long-poll: answer once the job has ended, or after this many seconds" }) });
export const SubmitQuery = WaitQuery.extend({
  wait: seconds("a wait").meta({ description: "answer 200 with the job if it ends within this many seconds, else 202" }),
  dry_run: flag.meta({ description: "check the submission and say where it would go; nothing is journaled" }),
});

/** The number of lines to answer: at least 1; more than 1000 are cut to 1000. */
const tail = z.coerce.number({ error: "expected a positive integer" }).int({ error: "expected a positive integer" }).min(1, { error: "expected a positive integer" }).default(100);
export const TailQuery = z.object({ tail: tail.meta({ description: "the last N lines (at most 1000)" }) });
export const LogsQuery = z.object({
  tail: tail.meta({ description: "at most N lines (at most 1000)" }),
  after: z.coerce.number({ error: "expected a line's seq" }).int({ error: "expected a line's seq" }).min(0, { error: "expected a line's seq" }).optional()
    .meta({ description: "a follower's cursor: the oldest lines after this seq, and whether more follow" }),
});

/** An event id, as Last-Event-ID carries it; empty: none. */
export const EventId = z.string().regex(/^\s*\d*\s*$/, "expected the integer id of an event");
export const EventsQuery = z.object({
  job: z.string().optional().meta({ description: "only this job's events" }),
  session: z.string().optional().meta({ description: "only this pipeline session's events" }),
  kind: z.string().optional().meta({ description: "comma-separated kinds; one ending in '.' takes its family (process.)" }),
  last_event_id: EventId.optional().meta({ description: "replay the held events after this id (for clients that cannot set Last-Event-ID)" }),
});

/** Path parameters: one per name used in the routes' paths. */
export const PathParams = {
  id: z.string().min(1),
  name: z.string().min(1),
  port: z.string().min(1).meta({ description: "node.port, e.g. asr.audio" }),
} as const;

/** Where a path parameter's rule is narrower on some routes than its name's. */
export const ARRAY_NAME = z.string().regex(NAME_RE).meta({ description: "a name gaia generated (others are 400)" });
export const SCHEDULE_NAME_PARAM = z.string().regex(SCHEDULE_NAME).meta({ description: "letters, digits, '_', '.' and '-' (others are 400)" });
