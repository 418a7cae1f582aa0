/**
 * The schedule routes (SPEC §7, §10): the definitions are checked here with the config's own
 * schema (so the API and gaia.toml accept the same keys, defaults and cron patterns); the
 * engine keeps and runs them (src/io/schedules/ops.ts).
 *
 *   GET    /v1/schedules              {schedules: [...]}
 *   GET    /v1/schedules/NAME         the schedule
 *   PUT    /v1/schedules/NAME         create (201) or replace (200); the body is a [[schedules]]
 *                                     entry, `name` optional (it must match the URL's)
 *   DELETE /v1/schedules/NAME         remove (jobs it made are left alone)
 *   POST   /v1/schedules/NAME/run     a run now → 202 {id, state, schedule}
 *   POST   /v1/schedules/NAME/pause   paused = true (outlives restarts)
 *   POST   /v1/schedules/NAME/resume  paused = false; the next run is computed from now
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import type { ScheduleConfig } from "../config/schema.ts";
import type { ScheduleOps } from "../io/schedules/ops.ts";
import { jsonBody } from "./body.ts";
import { ApiError, invalid } from "./errors.ts";
import { payloadProblem } from "./payload.ts";
import { SCHEDULE_NAME, ScheduleBody } from "./shapes/schedules.ts";

export function registerScheduleRoutes(app: Hono, schedules: ScheduleOps): void {
  app.get("/v1/schedules", (c) => c.json(schedules.list()));
  app.get("/v1/schedules/:name", (c) => c.json(schedules.get(name(c))));
  app.put("/v1/schedules/:name", async function putSchedule(c) {
    const { created, schedule } = schedules.put(await scheduleBody(c, name(c)));
    return c.json(schedule, created ? 201 : 200);
  });
  app.delete("/v1/schedules/:name", (c) => c.json(schedules.remove(name(c))));
  app.post("/v1/schedules/:name/run", (c) => c.json(schedules.run(name(c)), 202));
  app.post("/v1/schedules/:name/pause", (c) => c.json(schedules.setPaused(name(c), true)));
  app.post("/v1/schedules/:name/resume", (c) => c.json(schedules.setPaused(name(c), false)));
}

function name(c: Context): string {
  const value = c.req.param("name") ?? "";
  if (!SCHEDULE_NAME.test(value)) throw new ApiError(400, "invalid_request", `a schedule name uses letters, digits, '_', '.' and '-' (at most 200), got '${value}'`);
  return value;
}

async function scheduleBody(c: Context, urlName: string): Promise<ScheduleConfig> {
  // Read as any JSON first: a body that is no object, or names another schedule, is told so.
  const body = await jsonBody(c, z.unknown());
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new ApiError(400, "invalid_request", "body: expected a JSON object, a [[schedules]] entry");
  const given = (body as { name?: unknown }).name;
  if (given !== undefined && given !== urlName) {
    throw new ApiError(400, "invalid_request", `name: the body says ${JSON.stringify(given)} but the URL says '${urlName}'`);
  }
  const parsed = ScheduleBody.safeParse({ ...(body as Record<string, unknown>), name: urlName });
  if (!parsed.success) throw invalid(parsed.error, "body");
  const problem = payloadProblem(parsed.data.payload);
  if (problem) throw new ApiError(400, "invalid_request", `payload: the payload ${problem}`);
  return { ...parsed.data, name: urlName };
}
