/**
 * How the document describes one route: an `Operation` names its zod schemas (from
 * ../shapes/), never JSON Schema written by hand, and document.ts turns the tables of
 * ./system.ts, ./jobs.ts, ./data.ts and ./sessions.ts into OpenAPI. The tables and the Hono
 * app are held to each other by openapi.test.ts: a route without an operation, or an operation
 * without a route, fails it.
 */
import type { z } from "zod";

export type Method = "get" | "post" | "put" | "delete";

/** One answer: its JSON body (one schema, or any of several), or other content, and headers. */
export type Answer = {
  description: string;
  json?: z.ZodType | z.ZodType[];
  /** Media types whose bodies have no schema (bytes, an event stream, Prometheus text). */
  content?: string[];
  /** Response headers: name → description (their values are strings). */
  headers?: Record<string, string>;
};

export type Operation = {
  method: Method;
  /** The path as the Hono app registers it (`/v1/jobs/:id`). */
  path: string;
  id: string;
  tag: string;
  summary: string;
  description?: string;
  /** The query schema the route reads (its keys are the parameters). */
  query?: z.ZodObject;
  /** Path parameters narrower than ../shapes/params.ts's PathParams for their name. */
  params?: Record<string, z.ZodType>;
  /** Request headers the route reads: name → schema and description. */
  headers?: Record<string, { schema: z.ZodType; description: string }>;
  /** The request body: media type → its schema (null: bytes of no schema). */
  body?: { content: Record<string, z.ZodType | null>; required: boolean; description?: string };
  answers: Partial<Record<number, Answer>>;
  /** Statuses answered in the error shape (401 on TCP and 503 while the IO engine restarts are added to all). */
  errors: number[];
  /** Answered on TCP without the token (probes). */
  open?: boolean;
};

export const json = (schema: z.ZodType | z.ZodType[], description: string): Answer => ({ description, json: schema });

export const JSON_TYPE = "application/json";

/** Every operation's tag is one of these (document.ts refuses another). */
export const TAGS = [
  { name: "system", description: "probes, status, metrics, shutdown, this document" },
  { name: "workers", description: "worker processes, their restarts and logs (SPEC §1)" },
  { name: "jobs", description: "submit, read, wait for, list and cancel jobs (SPEC §5)" },
  { name: "arrays", description: "shared-memory arrays (SPEC §6)" },
  { name: "schedules", description: "cron, interval and loop schedules (SPEC §10)" },
  { name: "gpus", description: "the devices NVML reports (SPEC §11)" },
  { name: "nodes", description: "the nodes of a cluster, their leases and what each runs (SPEC §13)" },
  { name: "pipelines", description: "pipeline definitions (SPEC §12)" },
  { name: "sessions", description: "running pipelines and their streams (SPEC §12)" },
  { name: "events", description: "the event stream (SPEC §7)" },
  { name: "dashboard", description: "the dashboard page and its sign-in (SPEC §15)" },
];
