/**
 * `client.sessions` and `client.pipelines`: pipeline sessions (SPEC §12). A session is made
 * from a pipeline's name (the config's or one PUT through the API) or an inline definition;
 * `input` sends one frame (a JSON value, or an array as {dtype, shape, base64}).
 */
import type { z } from "zod";
import type * as sessions from "../api/shapes/sessions.ts";
import { segment, type Transport } from "./transport.ts";

// The answers' types are the API's schemas' (src/api/shapes/sessions.ts), imported as types only.
export type SessionView = sessions.SessionView;
export type SessionNode = sessions.NodeView;
export type PipelineView = sessions.PipelineView;
export type SessionCreated = z.output<typeof sessions.SessionCreated>;
export type InputAccepted = z.output<typeof sessions.InputAccepted>;

export class SessionsApi {
  constructor(private readonly transport: Transport) {}

  list(): Promise<{ sessions: SessionView[] }> {
    return this.transport.call("GET", "/v1/sessions");
  }

  get(id: string): Promise<SessionView> {
    return this.transport.call("GET", `/v1/sessions/${segment(id)}`);
  }

  /** Starts a session of `pipeline` (a name, or an inline definition); answers while it initializes. */
  start(pipeline: string | Record<string, unknown>, id?: string): Promise<SessionCreated> {
    return this.transport.call("POST", "/v1/sessions", { json: id === undefined ? { pipeline } : { pipeline, id } });
  }

  /** Ends it: inputs close, nodes finish what they hold (5 s), then TERM and KILL. */
  stop(id: string): Promise<SessionView> {
    return this.transport.call("DELETE", `/v1/sessions/${segment(id)}`);
  }

  /** One frame into input `port` ("node.port"); waits while the channel is full. */
  input(id: string, port: string, value: unknown): Promise<InputAccepted> {
    return this.transport.call("POST", `/v1/sessions/${segment(id)}/input/${segment(port)}`, { json: value });
  }

  pipelines(): Promise<{ pipelines: PipelineView[] }> {
    return this.transport.call("GET", "/v1/pipelines");
  }
}
