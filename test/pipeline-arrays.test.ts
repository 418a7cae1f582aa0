/**
 * Arrays on channels: a 16 MiB float32 frame goes through three nodes (Bun → Python → Bun)
 * without its bytes crossing a socket (every process counts what it read and wrote on its
 * pipeline sockets), and dtypes and shapes survive both directions, inline and in shared memory.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { channelBytes } from "../src/channels/framed.ts";
import { NDArray } from "../src/channels/values.ts";
import { PY, PY_NODES, sessionFiles, startRuntime, TS_NODES, until, within, type Harness } from "./helpers/pipelines.ts";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const MiB = 1024 * 1024;

describe("arrays on channels", () => {
  test("a 16 MiB float32 frame through three nodes: values right, bytes never on a socket", async () => {
    h = await startRuntime();
    const s = await h.runtime.create({
      nodes: [
        { id: "a", runtime: "bun", module: TS_NODES, node: "t.pass" },
        { id: "b", runtime: "python", python: PY, module: PY_NODES, node: "py.add", config: { k: 1 } },
        { id: "c", runtime: "bun", module: TS_NODES, node: "t.add", config: { k: 1 } },
      ],
      connections: [{ from: "a.out", to: "b.in" }, { from: "b.out", to: "c.in" }],
    });
    const out: { x: Float32Array; by: string[] }[] = [];
    let filesDuring = 0;
    s.onOutput("c.out", (v) => {
      filesDuring = sessionFiles(s).length;
      const { x, by } = v as { x: Float32Array; by: string[] };
      out.push({ x: x.slice(), by }); // a view of shared memory: copied to keep
    });
    await until(() => s.state.kind === "ready", "the session to be ready");
    const before = { ...channelBytes };
    const x = new Float32Array((16 * MiB) / 4).map((_, i) => i % 1000);
    await s.input("a.in", { i: 0, x });
    await until(() => out.length === 1, "the frame out");
    const runtimeBytes = channelBytes.written - before.written + (channelBytes.read - before.read);

    const got = out[0]!;
    expect(got.by).toEqual(["python", "bun"]);
    expect(got.x.length).toBe(x.length);
    let bad = -1;
    for (let i = 0; i < x.length && bad < 0; i++) if (got.x[i] !== x[i]! + 2) bad = i;
    expect(bad).toBe(-1);
    expect(filesDuring).toBeGreaterThanOrEqual(4); // one slot per producer: runtime, a, b, c

    const view = await within(s.terminate(), "terminate");
    // Every byte each node wrote and read on its sockets in its whole life, control included.
    expect(view.nodes.map((n) => n.exit?.code)).toEqual([0, 0, 0]);
    const nodeBytes = s.nodes.map((n) => n.stats!.bytes_written + n.stats!.bytes_read);
    const total = runtimeBytes + nodeBytes.reduce((a, b) => a + b, 0);
    console.log(`16 MiB frame: runtime moved ${runtimeBytes} bytes for it; nodes ${JSON.stringify(nodeBytes)} bytes in their lives`);
    expect(total).toBeLessThan(64 * 1024);
  });

  test("dtypes and shapes survive Bun → Python → Bun, inline and through shared memory", async () => {
    h = await startRuntime();
    const s = await h.runtime.create({
      nodes: [
        { id: "p", runtime: "python", python: PY, module: PY_NODES, node: "py.pass" },
        { id: "q", runtime: "bun", module: TS_NODES, node: "t.pass" },
      ],
      connections: [{ from: "p.out", to: "q.in" }],
    });
    const out: unknown[] = [];
    s.onOutput("q.out", (v) => void out.push(structuredClone(v)));
    const value = {
      small: new NDArray("int16", [2, 3, 4], new Int16Array(24).map((_, i) => i - 12)),
      flags: new NDArray("bool", [3], new Uint8Array([1, 0, 1])),
      bytes: new Uint8Array([1, 2, 3]),
      big_bytes: new Uint8Array(MiB).fill(7),
      big: new NDArray("float64", [512, 256], new Float64Array(512 * 256).map((_, i) => i / 3)),
      ids: new BigInt64Array([1n, -(2n ** 40n)]),
      nested: [{ f: new Float32Array([0.5, 1.5]) }],
    };
    await s.input("p.in", value);
    await until(() => out.length === 1, "the frame out");
    const got = out[0] as Record<string, unknown>;
    const nd = (v: unknown) => [(v as NDArray).dtype, (v as NDArray).shape, [...(v as NDArray).data].slice(0, 4)];
    expect(nd(got.small)).toEqual(["int16", [2, 3, 4], [-12, -11, -10, -9]]);
    expect(nd(got.flags)).toEqual(["bool", [3], [1, 0, 1]]);
    expect(nd(got.big)).toEqual(["float64", [512, 256], [0, 1 / 3, 2 / 3, 1]]);
    expect(got.bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect((got.big_bytes as Uint8Array).length).toBe(MiB);
    expect((got.big_bytes as Uint8Array)[MiB - 1]).toBe(7);
    expect(got.ids).toEqual(new BigInt64Array([1n, -(2n ** 40n)]));
    expect(got.nested).toEqual([{ f: new Float32Array([0.5, 1.5]) }]);
  });
});
