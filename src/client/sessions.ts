/**
 * `client.sessions` and `client.pipelines`: pipeline sessions (SPEC §12). A session is made
 * from a pipeline's name (the config's or one PUT through the API) or an inline definition;
 * `input` sends one frame (a JSON value, or an array as {dtype, shape, base64}).
 */
import { segment, type Transport } from "./transport.ts";

export type SessionNode = {
  id: string; runtime: string; node: string; pid: number | null; state: string;
  frames_in: number; frames_out: number; rss_kb: number | null; private_rss_kb: number | null;
  exit: { code: number | null; signal: string | null } | null;
};
export type SessionView = {
  id: string;
  pipeline: string;
  state: string;
  reason: { code: string; node: string; message: string } | null;
  created_at: string;
  ready_at: string | null;
  ended_at: string | null;
  files_prefix: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  nodes: SessionNode[];
};
export type PipelineView = { name: string; source: "config" | "api"; nodes: { id: string; runtime: string; node: string }[] } & Record<string, unknown>;

export class SessionsApi {
  constructor(private readonly transport: Transport) {}

  list(): Promise<{ sessions: SessionView[] }> {
    return this.transport.call("GET", "/v1/sessions");
  }

  get(id: string): Promise<SessionView> {
    return this.transport.call("GET", `/v1/sessions/${segment(id)}`);
  }

  /** Starts a session of `pipeline` (a name, or an inline definition); answers while it initializes. */
  start(pipeline: string | Record<string, unknown>, id?: string): Promise<{ id: string; state: string }> {
    return this.transport.call("POST", "/v1/sessions", { json: id === undefined ? { pipeline } : { pipeline, id } });
  }

  /** Ends it: inputs close, nodes finish what they hold (5 s), then TERM and KILL. */
  stop(id: string): Promise<SessionView> {
    return this.transport.call("DELETE", `/v1/sessions/${segment(id)}`);
  }

  /** One frame into input `port` ("node.port"); waits while the channel is full. */
  input(id: string, port: string, value: unknown): Promise<{ accepted: boolean }> {
    return this.transport.call("POST", `/v1/sessions/${segment(id)}/input/${segment(port)}`, { json: value });
  }

  pipelines(): Promise<{ pipelines: PipelineView[] }> {
    return this.transport.call("GET", "/v1/pipelines");
  }
}
