/** Reading and validating request bodies and query parameters. */
import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, invalid } from "./errors.ts";

export async function jsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const text = await c.req.text();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, "bad_json", `the body is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalid(parsed.error, "body");
  return parsed.data;
}

export const MAX_WAIT_S = 3600;

/** `?wait=S` in seconds (fractions allowed) → milliseconds; 0 when absent. */
export function waitMs(c: Context): number {
  const raw = c.req.query("wait");
  if (raw === undefined || raw === "") return 0;
  const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(seconds <= MAX_WAIT_S)) {
    throw new ApiError(400, "invalid_request", `wait must be a number of seconds from 0 to ${MAX_WAIT_S}, got '${raw}'`);
  }
  return Math.round(seconds * 1000);
}
