/**
 * What `GET /v1/sessions/ID` shows of a session (SPEC §12): its state and reason, and per node
 * its pid, state, frames in and out, channel depths (frames in flight) and the time its
 * emits waited for credit, and resident memory (VmRSS, and VmRSS − RssShmem: shared-memory
 * frames mapped by a node count in the first, not the second). Figures of node-to-node
 * channels come from the nodes (node.stats, at most every 500 ms); those of the session's own
 * inputs and outputs are the runtime's, current.
 */
import { privateRssKb, rssKb } from "../../lib/proc.ts";
import type { NodeStats } from "../../protocol/pipeline-messages.ts";
import type { Failure, NodeExit } from "./failure.ts";
import type { Session } from "./session.ts";

export type NodeView = {
  id: string;
  runtime: "bun" | "python";
  node: string;
  pid: number | null;
  state: string;
  frames_in: number;
  frames_out: number;
  rss_kb: number | null;
  private_rss_kb: number | null;
  inputs: NodeStats["inputs"];
  outputs: NodeStats["outputs"];
  exit: NodeExit | null;
};

export type SessionView = {
  id: string;
  pipeline: string;
  state: string;
  reason: Failure | null;
  created_at: string;
  ready_at: string | null;
  ended_at: string | null;
  /** Every shared-memory file of the session starts with this (in the arrays dir). */
  files_prefix: string;
  inputs: Record<string, { frames: number; in_flight: number; waiting: number; wait_ms: number }>;
  outputs: Record<string, { frames: number; held: number; readers: number; released_unread: number }>;
  nodes: NodeView[];
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function sessionView(s: Session): SessionView {
  const st = s.state;
  const inputs: SessionView["inputs"] = {};
  for (const [name, input] of s.inputs) {
    const p = input.producer;
    inputs[name] = { frames: p.frames, in_flight: p.inFlight, waiting: p.queued, wait_ms: Math.round(p.waitMs * 1000) / 1000 };
  }
  const outputs: SessionView["outputs"] = {};
  for (const [name, out] of s.outputs) outputs[name] = { frames: out.frames, held: out.queued, readers: out.subscribers, released_unread: out.released };
  return {
    id: s.id,
    pipeline: s.def.name,
    state: st.kind,
    reason: st.kind === "failed" ? st.reason : null,
    created_at: iso(s.createdAt)!,
    ready_at: iso(s.readyAt),
    ended_at: st.kind === "failed" || st.kind === "terminated" ? iso(st.at) : null,
    files_prefix: s.prefix,
    inputs,
    outputs,
    nodes: s.nodes.map((h) => {
      const alive = h.pid !== null && !h.gone;
      return {
        id: h.id,
        runtime: h.config.runtime,
        node: h.config.node,
        pid: h.pid,
        state: h.phase.kind,
        frames_in: h.stats?.frames_in ?? 0,
        frames_out: h.stats?.frames_out ?? 0,
        rss_kb: alive ? rssKb(h.pid!) : null,
        private_rss_kb: alive ? privateRssKb(h.pid!) : null,
        inputs: h.stats?.inputs ?? {},
        outputs: h.stats?.outputs ?? {},
        exit: h.phase.kind === "exited" ? h.phase.exit : null,
      };
    }),
  };
}
