import { expect, test } from "bun:test";
import type { SessionView } from "../io/pipelines/session-view.ts";
import { render } from "./prometheus.ts";
import { sessionFamilies } from "./session-metrics.ts";

const node = (id: string, frames: number, outputs: SessionView["nodes"][number]["outputs"]): SessionView["nodes"][number] => ({
  id, runtime: "bun", node: "t.pass", pid: 1, state: "running", frames_in: frames, frames_out: frames, rss_kb: null, private_rss_kb: null, inputs: {}, outputs, exit: null,
});

const session: SessionView = {
  id: "s1", pipeline: "chain", state: "ready", reason: null, created_at: "", ready_at: "", ended_at: null, files_prefix: "x",
  inputs: { "a.in": { frames: 9, in_flight: 3, waiting: 0, wait_ms: 1500 } },
  outputs: { "b.out": { frames: 7, held: 0, readers: 1, released_unread: 0 } },
  nodes: [node("a", 8, { out: { frames: 8, wait_ms: 250, channels: { "a.out->b.in": 1 } } }), node("b", 7, {})],
};

test("frames per node, depth per channel and wait per port, sessions per pipeline and state", () => {
  const text = render(sessionFamilies([session], ["chain", "idle"]));
  expect(text).toContain('gaia_sessions{pipeline="chain",state="ready"} 1');
  expect(text).toContain('gaia_sessions{pipeline="idle",state="ready"} 0');
  expect(text).toContain('gaia_session_node_frames_total{session="s1",node="a",direction="in"} 8');
  expect(text).toContain('gaia_session_node_frames_total{session="s1",node="b",direction="out"} 7');
  expect(text).toContain('gaia_channel_frames_in_flight{session="s1",channel="a.in"} 3');
  expect(text).toContain('gaia_channel_frames_in_flight{session="s1",channel="a.out->b.in"} 1');
  expect(text).toContain('gaia_channel_wait_seconds_total{session="s1",port="a.in"} 1.5');
  expect(text).toContain('gaia_channel_wait_seconds_total{session="s1",port="a.out"} 0.25');
});

test("no sessions: every family is there, with the pipelines' zeros", () => {
  const families = sessionFamilies([], ["chain"]);
  expect(families.map((f) => [f.name, f.samples.length])).toEqual([
    ["gaia_sessions", 5], ["gaia_session_node_frames_total", 0], ["gaia_channel_frames_in_flight", 0], ["gaia_channel_wait_seconds_total", 0],
  ]);
});
