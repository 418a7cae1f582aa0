/**
 * What `GET /v1/sessions/ID` shows of a session (SPEC §12): its state and reason, and per node
 * its pid, state, frames in and out, channel depths (frames in flight) and the time its
 * emits waited for credit, and resident memory (VmRSS, and VmRSS − RssShmem: shared-memory
 * frames mapped by a node count in the first, not the second). Figures of node-to-node
 * channels come from the nodes (node.stats, at most every 500 ms); those of the session's own
 * inputs and outputs are the runtime's, current.
 */
import { privateRssKb, rssKb } from "../../lib/proc.ts";
import type { NodeView, SessionView } from "../../api/shapes/sessions.ts";
import type { Session } from "./session.ts";

// Typed with the API's schemas (src/api/shapes/sessions.ts), which the document is generated from.
export type { NodeView, SessionView };

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
