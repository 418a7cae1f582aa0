import { describe, expect, test } from "bun:test";
import type { NodeView } from "../../io/cluster/node-view.ts";
import { formatLease, formatNodes } from "./nodes.ts";

const NOW = Date.parse("2026-12-02T10:00:00.000Z");
const at = (offsetS: number) => new Date(NOW + offsetS * 1000).toISOString();

const self: NodeView = {
  name: "gpu-a", self: true, state: "alive", lease_until: at(12.4), renewed_at: at(-3), version: "0.1.0", started_at: at(-3600),
  pools: [{ name: "default", workers: 2, running: 1 }, { name: "infer", workers: 1, running: 1 }], workers: 3, running: 2,
};
const peer: NodeView = { ...self, name: "gpu-b", self: false, lease_until: at(5), pools: [{ name: "default", workers: 4, running: 0 }], workers: 4, running: 0 };
const dead: NodeView = { ...self, name: "cpu-old", self: false, state: "lapsed", lease_until: at(-40), renewed_at: at(-55), version: null, started_at: null, pools: [], workers: 0, running: 0 };

describe("gaia nodes", () => {
  test("a line per node: this node marked, the lease's time left or how long ago it lapsed, pools as NAME:WORKERS/RUNNING", () => {
    expect(formatNodes({ nodes: [self, peer, dead] }, NOW)).toBe([
      "NAME               STATE   LEASE           POOLS                   WORKERS  RUNNING",
      "gpu-a (this node)  alive   12s left        default:2/1, infer:1/1        3        2",
      "gpu-b              alive   5s left         default:4/0                   4        0",
      "cpu-old            lapsed  lapsed 40s ago  -                             0        0",
    ].join("\n"));
  });

  test("the words follow the state: a clock ahead or behind the journal's clamps the figure at 0", () => {
    expect(formatLease({ state: "alive", lease_until: at(-2) }, NOW)).toBe("0s left");
    expect(formatLease({ state: "lapsed", lease_until: at(3) }, NOW)).toBe("lapsed 0s ago");
    expect(formatLease({ state: "lapsed", lease_until: at(-2 * 86_400 - 5 * 3600) }, NOW)).toBe("lapsed 2d 5h ago");
    expect(formatLease({ state: "alive", lease_until: "not a time" }, NOW)).toBe("-");
  });

  test("no nodes says so", () => {
    expect(formatNodes({ nodes: [] }, NOW)).toBe("no nodes");
  });
});
