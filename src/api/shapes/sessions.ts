/**
 * Pipelines and sessions (SPEC §12): the bodies of `PUT /v1/pipelines/NAME` and
 * `POST /v1/sessions`, and the answers. A pipeline's keys, defaults and graph checks are the
 * config's (src/io/pipelines/schema.ts); a session's view is built by
 * src/io/pipelines/session-view.ts, typed with the schema here.
 */
import { z } from "zod";
import { PipelineBody as PipelineDefinitionBody, PipelineFields } from "../../io/pipelines/schema.ts";
import { ErrorInfo } from "../../protocol/worker-messages.ts";
import { OutputStats } from "../../protocol/pipeline-messages.ts";
import { DTYPE_NAMES } from "../../arrays/dtypes.ts";
import { RawArrayQuery } from "./arrays.ts";
import { request, response, Time } from "./registry.ts";

export const PipelineBody = request(
  "PipelineBody",
  PipelineDefinitionBody,
  "a [[pipelines]] entry: nodes (each a process) joined by connections from node.port to node.port; unconnected ports are the sessions' inputs and outputs",
);

export const SessionBody = request(
  "SessionBody",
  z
    .object({
      pipeline: z.union([
        z.string().min(1).meta({ description: "the name of a pipeline of the config or of the API" }),
        z.record(z.string(), z.unknown()).meta({ description: "an inline definition: a PipelineBody (name optional), checked as the session is made (400 invalid_pipeline)" }),
      ]),
      id: z.string().optional().meta({ pattern: "^[A-Za-z0-9_.-]{1,128}$", description: "the session's id; a UUID by default" }),
    })
    .strict(),
);

/** `POST /v1/sessions/ID/input/PORT` with raw bytes: an array's dtype and shape, or dtype=bytes. */
export const InputQuery = RawArrayQuery.extend({
  dtype: z.string().optional().meta({ enum: [...DTYPE_NAMES, "bytes"], description: "with Content-Type application/octet-stream: the array's dtype, or bytes for the bytes as they are" }),
});

export const Frame = request("Frame", z.unknown(), "one input frame: any JSON value; an array as {dtype, shape, base64}");

export const PipelineView = response("Pipeline", z.object({ name: z.string(), ...PipelineFields, source: z.enum(["config", "api"]) }), "a pipeline's definition, defaults filled in, and where it comes from");
export type PipelineView = z.output<typeof PipelineView>;
export const PipelineList = response("PipelineList", z.object({ pipelines: z.array(PipelineView) }));
export const PipelineDeleted = response("PipelineDeleted", PipelineView.extend({ deleted: z.literal(true) }));

const SessionState = z.enum(["initializing", "ready", "terminating", "terminated", "failed"]);
const NodeState = z.enum(["spawning", "starting", "initializing", "ready", "running", "closing", "stopping", "exited"]);

export const Failure = z.object({
  code: z.enum(["init_timeout", "process_crashed", "pipeline_terminated"]),
  node: z.string().meta({ description: "the node the failure is about" }),
  message: z.string(),
  exit_code: z.number().int().nullable().optional(),
  signal: z.string().nullable().optional(),
  lines: z.array(z.string()).optional().meta({ description: "the node's last lines, newest last" }),
  error: ErrorInfo.optional(),
});

const NodeExit = z.object({ code: z.number().int().nullable(), signal: z.string().nullable(), lines: z.array(z.string()), reason: z.string().optional(), detail: z.string().nullable().optional() });
const count = z.number().min(0);

export const NodeView = z.object({
  id: z.string(),
  runtime: z.enum(["bun", "python"]),
  node: z.string(),
  pid: z.number().int().nullable(),
  state: NodeState,
  frames_in: count,
  frames_out: count,
  rss_kb: z.number().nullable(),
  private_rss_kb: z.number().nullable().meta({ description: "VmRSS less RssShmem: shared-memory frames not counted" }),
  inputs: z.record(z.string(), z.object({ frames: count, queued: count })),
  outputs: z.record(z.string(), OutputStats),
  exit: NodeExit.nullable(),
});

export const SessionView = response(
  "Session",
  z.object({
    id: z.string(),
    pipeline: z.string(),
    state: SessionState,
    reason: Failure.nullable().meta({ description: "why it failed; null unless failed" }),
    created_at: Time,
    ready_at: Time.nullable(),
    ended_at: Time.nullable(),
    files_prefix: z.string().meta({ description: "every shared-memory file of the session starts with this" }),
    inputs: z.record(z.string(), z.object({ frames: count, in_flight: count, waiting: count, wait_ms: count })),
    outputs: z.record(z.string(), z.object({ frames: count, held: count, readers: count, released_unread: count })),
    nodes: z.array(NodeView),
  }),
  "a session: its state and reason, and per node its pid, state, frames, channel depths and memory",
);
export type SessionView = z.output<typeof SessionView>;
export type NodeView = z.output<typeof NodeView>;

export const SessionList = response("SessionList", z.object({ sessions: z.array(SessionView) }));
export const SessionCreated = response("SessionCreated", z.object({ id: z.string(), state: SessionState }), "the graph was checked; the nodes start (watch state, or session.* events)");
export const InputAccepted = response("InputAccepted", z.object({ accepted: z.literal(true) }), "the frame is in the input's channel");
