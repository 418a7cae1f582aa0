/** The pipeline and session operations (SPEC §12). */
import { Frame, InputAccepted, InputQuery, PipelineBody, PipelineDeleted, PipelineList, PipelineView, SessionBody, SessionCreated, SessionList, SessionView } from "../shapes/sessions.ts";
import { json, JSON_TYPE, type Operation } from "./operation.ts";

export const pipelineOperations: Operation[] = [
  { method: "get", path: "/v1/pipelines", id: "listPipelines", tag: "pipelines", summary: "every pipeline, the config's and the API's", answers: { 200: json(PipelineList, "the pipelines") }, errors: [] },
  { method: "get", path: "/v1/pipelines/:name", id: "getPipeline", tag: "pipelines", summary: "a pipeline's definition", answers: { 200: json(PipelineView, "the pipeline") }, errors: [404] },
  {
    method: "put", path: "/v1/pipelines/:name", id: "putPipeline", tag: "pipelines", body: { content: { [JSON_TYPE]: PipelineBody }, required: true },
    summary: "define (201) or replace (200) a pipeline, kept in the journal; the config's are refused (409)",
    description: "The graph is checked here (ids, connections, cycles); the nodes' ports when a session is made.",
    answers: { 200: json(PipelineView, "replaced"), 201: json(PipelineView, "defined") }, errors: [400, 409, 413],
  },
  {
    method: "delete", path: "/v1/pipelines/:name", id: "deletePipeline", tag: "pipelines", summary: "remove a pipeline defined through the API (its running sessions go on)",
    answers: { 200: json(PipelineDeleted, "removed") }, errors: [404, 409],
  },
];

export const sessionOperations: Operation[] = [
  {
    method: "post", path: "/v1/sessions", id: "createSession", tag: "sessions", body: { content: { [JSON_TYPE]: SessionBody }, required: true },
    summary: "start a session of a pipeline (by name, or an inline definition); the graph is checked before anything starts",
    answers: { 201: json(SessionCreated, "initializing: every node is spawned and must report ready within init_timeout_s") },
    errors: [400, 404, 409, 413, 429, 503],
  },
  { method: "get", path: "/v1/sessions", id: "listSessions", tag: "sessions", summary: "every session of this run", answers: { 200: json(SessionList, "the sessions") }, errors: [] },
  { method: "get", path: "/v1/sessions/:id", id: "getSession", tag: "sessions", summary: "a session: state, reason, and per node its pid, state, frames, channel depths, rss", answers: { 200: json(SessionView, "the session") }, errors: [404] },
  {
    method: "delete", path: "/v1/sessions/:id", id: "stopSession", tag: "sessions", summary: "end a session: inputs close, nodes finish the frames they have (5 s), then SIGTERM and SIGKILL",
    answers: { 200: json(SessionView, "terminated (or failed, if it had)") }, errors: [404],
  },
  {
    method: "post", path: "/v1/sessions/:id/input/:port", id: "sendSessionInput", tag: "sessions", query: InputQuery,
    body: { content: { [JSON_TYPE]: Frame, "application/octet-stream": null }, required: true, description: "a JSON value, or one array's raw bytes with ?dtype=&shape=" },
    summary: "one frame into an input port; the answer waits while the channel is full",
    answers: { 200: json(InputAccepted, "the frame is in the channel") }, errors: [400, 404, 409, 413, 429],
  },
  {
    method: "get", path: "/v1/sessions/:id/output/:port", id: "streamSessionOutput", tag: "sessions",
    summary: "an output port as Server-Sent Events: `event: frame` per frame (its data the value as JSON, an array as {dtype, shape, base64}), `event: end` when the session ends",
    answers: { 200: { description: "the frames, until the session ends", content: ["text/event-stream"] } }, errors: [404],
  },
  {
    method: "get", path: "/v1/sessions/:id/stream", id: "streamSession", tag: "sessions",
    summary: "a WebSocket: binary CBOR {port, value} frames both ways, inputs in and every output out; a refused frame is answered {error: {code, message}} on the socket",
    answers: { 101: { description: "switching protocols to the WebSocket", headers: { Upgrade: "websocket", "Sec-WebSocket-Accept": "the key's answer (RFC 6455)" } } },
    errors: [400, 404, 426],
  },
];
