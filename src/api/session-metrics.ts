/**
 * The pipeline families of `GET /metrics` (SPEC §12), pure, from the sessions' views:
 *   gaia_sessions{pipeline,state}                       sessions the engine holds, by state
 *   gaia_session_node_frames_total{session,node,direction}  frames a node took in / gave out
 *   gaia_channel_frames_in_flight{session,channel}      frames sent and not yet released
 *   gaia_channel_wait_seconds_total{session,port}       time emits on a port waited for credit
 * A channel is "FROM->TO" between nodes, or the session's input port ("vad.audio") for the
 * frames the API sends in; a port is "node.port", or the input port. Node figures come from
 * the nodes' own reports (at most every 500 ms); the session's inputs are current. Ended
 * sessions stay until the engine forgets them (it keeps the last few), as their views do.
 */
import type { SessionView } from "../io/pipelines/session-view.ts";
import type { Family, Sample } from "./prometheus.ts";

const STATES = ["initializing", "ready", "terminating", "terminated", "failed"] as const;

export function sessionFamilies(sessions: SessionView[], pipelines: string[]): Family[] {
  const frames: Sample[] = [];
  const depth: Sample[] = [];
  const wait: Sample[] = [];
  for (const s of sessions) {
    for (const [port, input] of Object.entries(s.inputs)) {
      depth.push({ labels: { session: s.id, channel: port }, value: input.in_flight });
      wait.push({ labels: { session: s.id, port }, value: input.wait_ms / 1000 });
    }
    for (const n of s.nodes) {
      frames.push({ labels: { session: s.id, node: n.id, direction: "in" }, value: n.frames_in });
      frames.push({ labels: { session: s.id, node: n.id, direction: "out" }, value: n.frames_out });
      for (const [port, out] of Object.entries(n.outputs)) {
        wait.push({ labels: { session: s.id, port: `${n.id}.${port}` }, value: out.wait_ms / 1000 });
        for (const [channel, inFlight] of Object.entries(out.channels)) depth.push({ labels: { session: s.id, channel }, value: inFlight });
      }
    }
  }
  const names = [...new Set([...pipelines, ...sessions.map((s) => s.pipeline)])];
  return [
    {
      name: "gaia_sessions", help: "Pipeline sessions the IO engine holds, by pipeline and state (ended ones until it forgets them).", type: "gauge",
      samples: names.flatMap((pipeline) => STATES.map((state) => ({ labels: { pipeline, state }, value: sessions.filter((s) => s.pipeline === pipeline && s.state === state).length }))),
    },
    { name: "gaia_session_node_frames_total", help: "Frames each node of a session took in and gave out (its last report).", type: "counter", samples: frames },
    { name: "gaia_channel_frames_in_flight", help: "Frames sent on a channel and not yet released by its consumer (at most channel_capacity).", type: "gauge", samples: depth },
    { name: "gaia_channel_wait_seconds_total", help: "Seconds the emits on a port waited for credit from a full channel (backpressure).", type: "counter", samples: wait },
  ];
}
