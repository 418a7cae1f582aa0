/**
 * Backpressure: with channel_capacity = 8 and a slow reader at the end of a Bun → Python → Bun
 * chain, every producer waits (the session's input, and each node's emit), at most 8 frames
 * are ever in flight per channel, slot files stay bounded, each process's private memory
 * stays flat, and every frame comes out, in order.
 */
import { afterAll, expect, test } from "bun:test";
import { privateRssKb } from "../src/lib/proc.ts";
import { PY, PY_NODES, sessionFiles, startRuntime, TS_NODES, until, type Harness } from "./helpers/pipelines.ts";

const CAPACITY = 8;
const FRAMES = 1500;
const SAMPLES = 32_768; // 128 KiB of float32: each frame goes through shared memory
let h: Harness | null = null;
afterAll(() => h?.stop());

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

test("a slow reader makes every producer wait; memory, slots and frames in flight stay bounded; nothing is dropped", async () => {
  h = await startRuntime();
  const s = await h.runtime.create({
    channel_capacity: CAPACITY,
    nodes: [
      { id: "a", runtime: "bun", module: TS_NODES, node: "t.pass" },
      { id: "b", runtime: "python", python: PY, module: PY_NODES, node: "py.pass" },
      { id: "c", runtime: "bun", module: TS_NODES, node: "t.pass" },
    ],
    connections: [{ from: "a.out", to: "b.in" }, { from: "b.out", to: "c.in" }],
  });
  const got: number[] = [];
  const wrong: string[] = [];
  s.onOutput("c.out", async (v) => {
    const { i, x } = v as { i: number; x: Float32Array };
    if (x.length !== SAMPLES || x[0] !== i || x[SAMPLES - 1] !== i) wrong.push(`frame ${i}: ${x.length} samples, ${x[0]}..${x[SAMPLES - 1]}`);
    got.push(i);
    await Bun.sleep(3); // the slow reader
  });

  let sent = 0;
  let maxAhead = 0;
  let maxFiles = 0;
  const maxInFlight: Record<string, number> = {};
  const rss: Record<string, number[]> = { a: [], b: [], c: [] };
  const sampler = setInterval(() => {
    maxAhead = Math.max(maxAhead, sent - got.length);
    maxFiles = Math.max(maxFiles, sessionFiles(s).length);
    const view = s.view();
    for (const n of view.nodes) {
      for (const out of Object.values(n.outputs)) for (const [ch, depth] of Object.entries(out.channels)) maxInFlight[ch] = Math.max(maxInFlight[ch] ?? 0, depth);
      const kb = privateRssKb(n.pid!);
      if (kb !== null && got.length > FRAMES / 10) rss[n.id]!.push(kb);
    }
    maxInFlight["session->a.in"] = Math.max(maxInFlight["session->a.in"] ?? 0, view.inputs["a.in"]!.in_flight);
  }, 25);

  const frame = new Float32Array(SAMPLES);
  for (let i = 0; i < FRAMES; i++) {
    frame.fill(i); // input() copies at the call, so one buffer serves every frame
    await s.input("a.in", { i, x: frame });
    sent++;
  }
  await until(() => got.length === FRAMES, `all ${FRAMES} frames out (got ${got.length})`, 60_000);
  clearInterval(sampler);

  expect(wrong).toEqual([]);
  expect(got).toEqual([...Array(FRAMES).keys()]);
  // Four channels of 8, the frame each node holds while it processes it included.
  expect(maxAhead).toBeLessThanOrEqual(4 * CAPACITY + 2);
  for (const [ch, depth] of Object.entries(maxInFlight)) expect([ch, depth <= CAPACITY]).toEqual([ch, true]);
  // Four producers, each holding at most capacity + 2 slots (src/channels/slots.ts).
  expect(maxFiles).toBeLessThanOrEqual(4 * (CAPACITY + 2));

  const view = s.view();
  expect(view.inputs["a.in"]!.wait_ms).toBeGreaterThan(100);
  for (const id of ["a", "b", "c"]) expect([id, view.nodes.find((n) => n.id === id)!.outputs.out!.wait_ms > 100]).toEqual([id, true]);
  const growth: Record<string, number> = {};
  for (const [id, samples] of Object.entries(rss)) {
    expect(samples.length).toBeGreaterThan(20);
    const third = Math.floor(samples.length / 3);
    growth[id] = (median(samples.slice(-third)) - median(samples.slice(0, third))) / 1024;
    expect([id, growth[id]! < 8]).toEqual([id, true]);
  }
  const waits = Object.fromEntries(view.nodes.map((n) => [n.id, n.outputs.out!.wait_ms]));
  console.log(`backpressure: ${JSON.stringify({ maxAhead, maxFiles, maxInFlight, waits, input_wait_ms: view.inputs["a.in"]!.wait_ms, private_rss_growth_mb: growth })}`);
  await s.terminate();
}, 120_000);
