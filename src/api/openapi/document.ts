/**
 * GET /openapi.json, generated (OpenAPI 3.1, whose schemas are JSON Schema 2020-12): the
 * components are the two registries of ../shapes/registry.ts converted by `z.toJSONSchema`,
 * and the paths are the operation tables, each body and answer a `$ref` to its component.
 * Nothing here describes a shape by hand, so the document cannot say something the routes'
 * validation does not do.
 *
 * Added to every operation: 401 (the TCP listener without the token; not the probes) and 503
 * (the supervisor's responder answers that while the IO engine restarts; not /health, which
 * it answers itself). Every error answer is the one Error shape.
 */
import { z } from "zod";
import { VERSION } from "../../version.ts";
import { PathParams } from "../shapes/params.ts";
import { requests, responses } from "../shapes/registry.ts";
import { ErrorBody } from "../shapes/system.ts";
import { JSON_TYPE, TAGS, type Answer, type Operation } from "./operation.ts";

type Json = Record<string, unknown>;

const uri = (id: string) => `#/components/schemas/${id}`;
const STATUS_TEXT: Record<number, string> = {
  400: "the request is not one this route takes", 401: "no token, or not this gaia's (TCP only)",
  404: "no such thing", 409: "the state forbids it now", 413: "the body is larger than control.max_body_mb", 426: "a WebSocket version other than 13",
  429: "too many: try again after Retry-After", 503: "not now: gaia is starting, shutting down, or its IO engine is restarting", 507: "arrays.max_bytes, or the arrays filesystem, is full",
};
const RETRY_AFTER = { "Retry-After": { description: "seconds to wait before trying again", schema: { type: "string" } } };

/** A schema as JSON Schema, without the keys that only make sense for a document of its own. */
function plain(schema: Json): Json {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

function components(): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [registry, io] of [[requests, "input"], [responses, "output"]] as const) {
    const { schemas } = z.toJSONSchema(registry, { io, uri, target: "draft-2020-12", unrepresentable: "any" });
    for (const [id, schema] of Object.entries(schemas)) {
      if (out[id]) throw new Error(`openapi: two components are named '${id}'`);
      out[id] = plain(schema as Json);
    }
  }
  return out;
}

function ref(schema: z.ZodType, op: Operation): Json {
  const id = requests.get(schema)?.id ?? responses.get(schema)?.id;
  if (!id) throw new Error(`openapi: ${op.id} uses a body schema that is not named in src/api/shapes (request() or response())`);
  return { $ref: uri(id) };
}

const inline = (schema: z.ZodType): Json => plain(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Json);

/** One parameter; its description is lifted from its schema's. */
function parameter(name: string, where: "path" | "query" | "header", schema: z.ZodType, description?: string): Json {
  const { description: own, ...json } = inline(schema);
  const required = where === "path" || !schema.safeParse(undefined).success;
  const text = description ?? (own as string | undefined);
  return { name, in: where, required, ...(text ? { description: text } : {}), schema: json };
}

function parameters(op: Operation): Json[] {
  const path = [...op.path.matchAll(/:(\w+)/g)].map(([, name]) => {
    const schema = op.params?.[name!] ?? PathParams[name as keyof typeof PathParams];
    if (!schema) throw new Error(`openapi: ${op.id}'s path parameter '${name}' has no schema`);
    return parameter(name!, "path", schema);
  });
  const query = Object.entries(op.query?.shape ?? {}).map(([name, schema]) => parameter(name, "query", schema as z.ZodType));
  const headers = Object.entries(op.headers ?? {}).map(([name, h]) => parameter(name, "header", h.schema, h.description));
  return [...path, ...query, ...headers];
}

function answer(a: Answer, op: Operation): Json {
  const content: Json = {};
  if (a.json) {
    const schemas = Array.isArray(a.json) ? a.json : [a.json];
    content[JSON_TYPE] = { schema: schemas.length === 1 ? ref(schemas[0]!, op) : { anyOf: schemas.map((s) => ref(s, op)) } };
  }
  for (const type of a.content ?? []) content[type] = {};
  const headers = Object.fromEntries(Object.entries(a.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: "string" } }]));
  return { description: a.description, ...(Object.keys(headers).length ? { headers } : {}), ...(Object.keys(content).length ? { content } : {}) };
}

function answers(op: Operation): Json {
  const out: Json = {};
  for (const [status, a] of Object.entries(op.answers)) out[status] = answer(a!, op);
  const errors = new Set(op.errors);
  if (!op.open) errors.add(401);
  if (op.path !== "/health") errors.add(503);
  for (const status of [...errors].sort()) {
    if (out[status]) continue; // the route's own answer for it says more (GET /ready's 503)
    if (!STATUS_TEXT[status]) throw new Error(`openapi: ${op.id} refuses with ${status}, which has no shared answer`);
    out[status] = { $ref: `#/components/responses/${status}` };
  }
  return out;
}

/** One shared answer per error status, in the Error shape (Retry-After where waiting helps). */
function errorAnswers(): Json {
  const error = { [JSON_TYPE]: { schema: { $ref: uri(responses.get(ErrorBody)!.id) } } };
  return Object.fromEntries(Object.entries(STATUS_TEXT).map(([status, description]) => {
    const retry = status === "429" || status === "503";
    return [status, { description, ...(retry ? { headers: RETRY_AFTER } : {}), content: error }];
  }));
}

function operation(op: Operation): Json {
  const body = op.body && {
    required: op.body.required,
    ...(op.body.description ? { description: op.body.description } : {}),
    content: Object.fromEntries(Object.entries(op.body.content).map(([type, schema]) => [type, schema ? { schema: ref(schema, op) } : {}])),
  };
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.open ? { security: [] } : {}),
    parameters: parameters(op),
    ...(body ? { requestBody: body } : {}),
    responses: answers(op),
  };
}

/** `/v1/jobs/:id` → `/v1/jobs/{id}`. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:(\w+)/g, "{$1}");

export function buildDocument(ops: Operation[]): Json {
  const paths: Record<string, Json> = {};
  const ids = new Set<string>();
  for (const op of ops) {
    if (ids.has(op.id)) throw new Error(`openapi: operationId '${op.id}' twice`);
    if (!TAGS.some((t) => t.name === op.tag)) throw new Error(`openapi: ${op.id}'s tag '${op.tag}' is not in TAGS`);
    ids.add(op.id);
    const item = (paths[openApiPath(op.path)] ??= {});
    if (item[op.method]) throw new Error(`openapi: ${op.method.toUpperCase()} ${op.path} twice`);
    item[op.method] = operation(op);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "gaia control API",
      version: VERSION,
      description: "gaia's control API (SPEC §7). On the Unix socket no token is needed: `curl --unix-socket .gaia/run/gaia.sock http://gaia/v1/status`. On the TCP listener (control.listen) every operation but the probes needs `Authorization: Bearer <token>` (the run dir's control.token_file). Unknown body fields are refused (400), so typos show.",
    },
    tags: TAGS,
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "the token in the run dir's control.token_file (TCP only)" } },
      schemas: components(),
      responses: errorAnswers(),
    },
  };
}
