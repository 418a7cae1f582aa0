/** The schedule routes' part of GET /openapi.json (see schedules.ts), merged into openapi.ts. */
const json = (schema: object) => ({ content: { "application/json": { schema } } });
const error = json({ $ref: "#/components/schemas/Error" });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: "error", ...error }]));
const nameParam = { name: "name", in: "path", required: true, schema: { type: "string", pattern: "^[A-Za-z0-9_.-]{1,200}$" } };
const schedule = json({ $ref: "#/components/schemas/Schedule" });

/** A [[schedules]] entry (SPEC §10); the same keys and defaults as the config file. */
const ScheduleBody = {
  type: "object",
  required: ["task"],
  additionalProperties: false,
  description: "exactly one of cron, every_s or loop = true",
  properties: {
    name: { type: "string", description: "optional; must match the URL's" },
    task: { type: "string" },
    payload: {},
    cron: { type: "string", description: "5 fields, or 6 with seconds first (croner)" },
    timezone: { type: "string", description: "IANA zone for cron, e.g. Europe/Paris" },
    every_s: { type: "number", exclusiveMinimum: 0 },
    loop: { type: "boolean" },
    loop_delay_s: { type: "number", minimum: 0, default: 0 },
    error_delay_s: { type: "number", minimum: 0, default: 10 },
    max_runs: { type: "integer", minimum: 1 },
    overlap: { enum: ["skip", "queue"], default: "skip" },
    paused: { type: "boolean", default: false },
    catch_up: { type: "boolean", default: false },
  },
};

const Schedule = {
  type: "object",
  description: "the definition (unset keys as null) and where the schedule stands",
  properties: {
    ...ScheduleBody.properties,
    source: { enum: ["config", "api"] },
    state: { enum: ["scheduled", "running", "paused", "done"] },
    runs: { type: "integer" }, skips: { type: "integer" },
    next_run_at: { type: ["string", "null"] }, last_run_at: { type: ["string", "null"] },
    last_job: { type: ["string", "null"] }, last_outcome: { type: ["string", "null"] }, last_error: { type: ["string", "null"] },
    created_at: { type: "string" }, updated_at: { type: "string" },
  },
};

export const schedulePaths = {
  "/v1/schedules": { get: { summary: "every schedule", responses: { "200": { description: "{schedules}" } } } },
  "/v1/schedules/{name}": {
    get: { summary: "a schedule", parameters: [nameParam], responses: { "200": { description: "the schedule", ...schedule }, ...errors(404) } },
    put: {
      summary: "create (201) or replace (200) a schedule; config schedules are refused (409)",
      parameters: [nameParam],
      requestBody: { required: true, ...json({ $ref: "#/components/schemas/ScheduleBody" }) },
      responses: { "200": { description: "replaced", ...schedule }, "201": { description: "created", ...schedule }, ...errors(400, 409) },
    },
    delete: { summary: "remove a schedule (its jobs stay); config schedules are refused (409)", parameters: [nameParam], responses: { "200": { description: "removed" }, ...errors(404, 409) } },
  },
  "/v1/schedules/{name}/run": {
    post: { summary: "run now, paused or not", parameters: [nameParam], responses: { "202": { description: "{id, state, schedule}" }, ...errors(404, 409, 429, 503) } },
  },
  "/v1/schedules/{name}/pause": { post: { summary: "no runs until resumed; outlives restarts", parameters: [nameParam], responses: { "200": { description: "paused", ...schedule }, ...errors(404) } } },
  "/v1/schedules/{name}/resume": { post: { summary: "runs again from now", parameters: [nameParam], responses: { "200": { description: "resumed", ...schedule }, ...errors(404) } } },
};

export const scheduleSchemas = { ScheduleBody, Schedule };
