/**
 * The one source of the control API's shapes (SPEC §7): every request body and every answer
 * is a zod schema in this folder, named in one of two registries. The routes validate with
 * the request schemas, /openapi.json is generated from both (src/api/openapi/), and the
 * TypeScript client's types are `z.output` of the answers (src/client/types.ts, type-only).
 *
 * Two registries because the two directions are read differently: a request is described
 * as a client may send it (zod's "input": defaults make a field optional), an answer as the
 * server sends it ("output": every field with a default is there, and no other field is).
 */
import { z } from "zod";

export type ShapeMeta = { id: string };

/** Request bodies, as clients send them. */
export const requests = z.registry<ShapeMeta>();
/** Answers, as the routes build them. */
export const responses = z.registry<ShapeMeta>();

/** Names `schema` as a request component of the document (`#/components/schemas/<id>`). */
export function request<S extends z.ZodType>(id: string, schema: S, description?: string, examples?: z.input<S>[]): S {
  return named(requests, id, schema, description, examples);
}

/** Names `schema` as an answer component of the document. */
export function response<S extends z.ZodType>(id: string, schema: S, description?: string): S {
  return named(responses, id, schema, description);
}

// The description (and a request's examples: what a client may send, and what schemathesis
// starts from) go through `.meta` (zod's global registry, which toJSONSchema reads for every
// schema), and the copy that carries them is the one named and handed back to the routes.
function named<S extends z.ZodType>(registry: typeof requests, id: string, schema: S, description?: string, examples?: unknown[]): S {
  const meta = { ...(description === undefined ? {} : { description }), ...(examples === undefined ? {} : { examples }) };
  const described = Object.keys(meta).length === 0 ? schema : (schema.meta(meta) as S);
  if (registry.has(described)) throw new Error(`shapes: '${id}' is named twice`);
  registry.add(described, { id });
  return described;
}

/** A time as the API writes it: ISO 8601 in UTC, from `Date.prototype.toISOString`. */
export const Time = response("Time", z.iso.datetime(), "ISO 8601, UTC");
