/** GET /openapi.json: the control API described (OpenAPI 3.1), kept beside the routes. */
import { schedulePaths, scheduleSchemas } from "./openapi-schedules.ts";

const error = { $ref: "#/components/schemas/Error" };
const job = { $ref: "#/components/schemas/Job" };
const json = (schema: object) => ({ content: { "application/json": { schema } } });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: "error", ...json(error) }]));
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const nameParam = { name: "name", in: "path", required: true, schema: { type: "string", pattern: "^gaia-[0-9]+p[0-9]+-[0-9a-f]{32}(a[0-9]+o[0-9]+)?$" } };
const array = { $ref: "#/components/schemas/Array" };
const waitParam = { name: "wait", in: "query", schema: { type: "number", minimum: 0, maximum: 3600 }, description: "seconds to wait for the job to end" };

export const openapi = {
  openapi: "3.1.0",
  info: { title: "gaia control API", version: "1", description: "Served on a Unix socket: curl --unix-socket .gaia/run/gaia.sock http://gaia/health" },
  paths: {
    "/health": { get: { summary: "200 while the supervisor lives", responses: { "200": { description: "alive" } } } },
    "/ready": { get: { summary: "200 when the IO engine is up and every pool has its workers", responses: { "200": { description: "ready" }, ...errors(503) } } },
    "/v1/status": { get: { summary: "version, run id, uptime, IO engine, pools, queue depths, job counts", responses: { "200": { description: "status" } } } },
    "/v1/workers": { get: { summary: "every worker: pool, pid, state, job, jobs done, restarts, rss, last exit", responses: { "200": { description: "workers" } } } },
    "/v1/workers/{id}/restart": { post: { summary: "planned replacement of a worker", parameters: [idParam], responses: { "202": { description: "restarting" }, ...errors(404) } } },
    "/v1/workers/{id}/logs": { get: { summary: "a process's last lines", parameters: [idParam, { name: "tail", in: "query", schema: { type: "integer" } }], responses: { "200": { description: "lines" }, ...errors(404) } } },
    "/v1/logs": { get: { summary: "every process's last lines", responses: { "200": { description: "lines" } } } },
    "/v1/jobs": {
      post: {
        summary: "submit a job",
        parameters: [waitParam],
        requestBody: { required: true, ...json({ $ref: "#/components/schemas/Submit" }) },
        responses: { "200": { description: "finished within wait", ...json(job) }, "202": { description: "accepted" }, ...errors(400, 413, 429, 503) },
      },
      get: {
        summary: "list jobs",
        parameters: ["state", "task", "schedule", "limit", "after"].map((name) => ({ name, in: "query", schema: { type: name === "limit" ? "integer" : "string" } })),
        responses: { "200": { description: "{jobs, next}" }, ...errors(400) },
      },
    },
    "/v1/jobs/batch": {
      post: {
        summary: "submit up to 10,000 jobs at once, all or none",
        requestBody: { required: true, ...json({ type: "object", required: ["jobs"], additionalProperties: false, properties: { jobs: { type: "array", maxItems: 10000, items: { $ref: "#/components/schemas/Submit" } } } }) },
        responses: { "202": { description: "{ids}" }, ...errors(400, 413, 429, 503) },
      },
    },
    "/v1/jobs/{id}": {
      get: { summary: "a job; ?wait=S long-polls until it is terminal", parameters: [idParam, waitParam], responses: { "200": { description: "the job", ...json(job) }, ...errors(404) } },
      delete: { summary: "cancel a job", parameters: [idParam], responses: { "200": { description: "cancelled", ...json(job) }, ...errors(404, 409) } },
    },
    "/v1/arrays": {
      post: {
        summary: "upload an array: raw bytes with ?dtype=&shape=, a .npy file (Content-Type: application/x-npy), or JSON {dtype, shape} for a local zero-copy allocation that answers the file's path",
        parameters: [{ name: "dtype", in: "query", schema: { type: "string" } }, { name: "shape", in: "query", schema: { type: "string" }, description: "comma-separated, e.g. 1024,1024; empty for rank 0" }],
        requestBody: { content: { "application/octet-stream": {}, "application/x-npy": {}, "application/json": { schema: { type: "object", required: ["dtype", "shape"], additionalProperties: false, properties: { dtype: { type: "string" }, shape: { type: "array", items: { type: "integer" } } } } } } },
        responses: { "201": { description: "the array", ...json(array) }, ...errors(400, 507) },
      },
      get: { summary: "every array, with the bytes in use, spare bytes and the cap", responses: { "200": { description: "{arrays, bytes, spare_bytes, max_bytes}" } } },
    },
    "/v1/arrays/{name}": {
      get: {
        summary: "the array's bytes (X-Gaia-Dtype, X-Gaia-Shape), or a .npy file with Accept: application/x-npy",
        parameters: [nameParam],
        responses: { "200": { description: "the bytes", content: { "application/octet-stream": {}, "application/x-npy": {} } }, ...errors(400, 404) },
      },
      delete: { summary: "delete an array no queued or running job names", parameters: [nameParam], responses: { "200": { description: "deleted", ...json(array) }, ...errors(400, 404, 409) } },
    },
    ...schedulePaths,
    "/v1/events": {
      get: {
        summary: "Server-Sent Events: process.*, job.*, schedule.*; resume with Last-Event-ID; a comment every 15 s",
        parameters: [
          { name: "job", in: "query", schema: { type: "string" }, description: "only this job's events" },
          { name: "Last-Event-ID", in: "header", schema: { type: "integer" }, description: "replay the held events after this id" },
          { name: "last_event_id", in: "query", schema: { type: "integer" }, description: "the same, for clients that cannot set the header" },
        ],
        responses: { "200": { description: "an event stream", content: { "text/event-stream": {} } }, ...errors(400) },
      },
    },
    "/metrics": { get: { summary: "Prometheus text format", responses: { "200": { description: "metrics", content: { "text/plain": {} } } } } },
    "/v1/shutdown": { post: { summary: "graceful stop", responses: { "202": { description: "stopping" } } } },
  },
  components: {
    schemas: {
      ...scheduleSchemas,
      Error: { type: "object", required: ["error"], properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" } } } } },
      Array: {
        type: "object",
        required: ["name", "dtype", "shape", "byte_length"],
        properties: { name: { type: "string" }, dtype: { enum: ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16", "float32", "float64"] }, shape: { type: "array", items: { type: "integer" } }, byte_length: { type: "integer" }, path: { type: "string" } },
      },
      Submit: {
        type: "object",
        required: ["task"],
        additionalProperties: false,
        properties: {
          task: { type: "string" },
          payload: {},
          arrays: { type: "object", additionalProperties: { type: "string" } },
          timeout_s: { type: "number", exclusiveMinimum: 0 },
          retries: { type: "object", additionalProperties: false, properties: { max: { type: "integer" }, on: { type: "array", items: { enum: ["timeout", "worker_lost", "memory_limit_exceeded", "error"] } }, backoff_s: { type: "number" }, factor: { type: "number" }, max_backoff_s: { type: "number" } } },
          session_id: { type: "string" },
          idempotency_key: { type: "string" },
        },
      },
      Job: {
        type: "object",
        properties: {
          id: { type: "string" }, task: { type: "string" }, pool: { type: "string" },
          state: { enum: ["queued", "running", "succeeded", "failed", "timed_out", "cancelled"] },
          payload: {}, arrays: { type: "object" }, result: {}, result_arrays: { type: "object", additionalProperties: { type: "string" } }, error: { type: ["object", "null"] }, attempts: { type: "integer" }, max_attempts: { type: "integer" },
          created_at: { type: ["string", "null"] }, started_at: { type: ["string", "null"] }, finished_at: { type: ["string", "null"] },
          worker: { type: ["object", "null"] }, execution_ms: { type: ["number", "null"] }, usage: { type: ["object", "null"] }, progress: { type: ["object", "null"] },
        },
      },
    },
  },
};
