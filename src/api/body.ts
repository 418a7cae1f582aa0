/** Reading and validating request bodies and query parameters, with the schemas of ./shapes/. */
import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, invalid } from "./errors.ts";
import { WaitQuery } from "./shapes/params.ts";

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

/** The query string, checked against the route's schema (a repeated key counts once: its first value). */
export function queryOf<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw invalid(parsed.error, "query");
  return parsed.data;
}

/** `?wait=S` in seconds (fractions allowed) → milliseconds; 0 when absent or empty. */
export function waitMs(c: Context, query: { wait?: number } = queryOf(c, WaitQuery)): number {
  return Math.round((query.wait ?? 0) * 1000);
}
