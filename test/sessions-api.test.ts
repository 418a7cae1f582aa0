/**
 * Pipeline sessions through the built binary (SPEC §12): a pipeline from the config, driven
 * over the control socket as a user would — create, wait for ready, frames in by POST and by
 * WebSocket, out by SSE and WebSocket; refusals past max_sessions; a node killed with -9
 * fails its session with the node named; DELETE and `gaia stop` end sessions with no node
 * process and no /dev/shm file left; after the supervisor is killed -9 its nodes exit (stdin
 * EOF) and the next start sweeps the files they left.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { decodeCbor, encodeCbor } from "../src/protocol/cbor.ts";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { allGone, Gaia, isAlive, shmFiles } from "./helpers/gaia.ts";
import { SseStream } from "./helpers/sse.ts";

const TS_NODES = resolve(import.meta.dir, "fixtures/pipeline_nodes.ts");
const PY_NODES = resolve(import.meta.dir, "fixtures/pipeline_nodes.py");

/** Bun adds 1, Python adds 10, Bun adds 100: a frame's path shows in its value. */
const CHAIN = {
  name: "chain",
  max_sessions: 2,
  nodes: [
    { id: "a", runtime: "bun", module: TS_NODES, node: "t.add", config: { k: 1 } },
    { id: "b", runtime: "python", python: VENV_PYTHON, module: PY_NODES, node: "py.add", config: { k: 10 } },
    { id: "c", runtime: "bun", module: TS_NODES, node: "t.add", config: { k: 100 } },
  ],
  connections: [{ from: "a.out", to: "b.in" }, { from: "b.out", to: "c.in" }],
};

const config = { pools: [{ name: "default", size: 1 }], pipelines: [CHAIN] };

async function ready(gaia: Gaia, id: string): Promise<any> {
  return gaia.until(`session ${id} ready`, async () => {
    const view = (await gaia.request("GET", `/v1/sessions/${id}`)).body;
    if (view.state === "failed") throw new Error(`session failed: ${JSON.stringify(view.reason)}`);
    return view.state === "ready" ? view : undefined;
  }, 30_000);
}

const nodePids = (view: any): number[] => view.nodes.map((n: { pid: number }) => n.pid);

describe("a pipeline from the config", () => {
  let gaia: Gaia;
  beforeAll(async () => {
    gaia = await Gaia.start({ config });
  });
  afterAll(async () => gaia?.stop());
  // A failed test must not leave sessions that count against max_sessions in the next.
  afterEach(async () => {
    for (const s of (await gaia.request("GET", "/v1/sessions")).body.sessions ?? []) await gaia.request("DELETE", `/v1/sessions/${s.id}`);
  });

  test("it is listed; a session starts, is ready, and carries frames in order through Bun, Python, Bun", async () => {
    const listed = await gaia.request("GET", "/v1/pipelines");
    expect(listed.body.pipelines.map((p: any) => [p.name, p.source])).toEqual([["chain", "config"]]);

    const made = await gaia.request("POST", "/v1/sessions", { pipeline: "chain", id: "s1" });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ id: "s1" });
    const view = await ready(gaia, "s1");
    expect(view.nodes.map((n: any) => [n.id, n.runtime, n.state])).toEqual([["a", "bun", "running"], ["b", "python", "running"], ["c", "bun", "running"]]);
    for (const pid of nodePids(view)) expect(isAlive(pid)).toBe(true);

    const out = await SseStream.open(gaia.socket, "/v1/sessions/s1/output/c.out");
    for (let i = 0; i < 50; i++) {
      const sent = await gaia.request("POST", "/v1/sessions/s1/input/a.in", { i, x: i });
      expect(sent.status).toBe(200);
    }
    const frames = await gaia.until("50 frames out", async () => {
      const got = out.events.filter((e) => e.event === "frame");
      return got.length >= 50 ? got : undefined;
    });
    expect(frames.map((e) => e.data.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(frames.map((e) => e.data.x)).toEqual(Array.from({ length: 50 }, (_, i) => i + 111));

    // The nodes report their counts at most every 500 ms.
    const counts = await gaia.until("the nodes' counts", async () => {
      const got = (await gaia.request("GET", "/v1/sessions/s1")).body.nodes.map((n: any) => [n.frames_in, n.frames_out]);
      return got.every(([i, o]: number[]) => i === 50 && o === 50) ? got : undefined;
    });
    expect(counts).toEqual([[50, 50], [50, 50], [50, 50]]);
    expect((await gaia.request("GET", "/v1/status")).body.sessions).toEqual({ total: 1, by_state: { ready: 1 } });
    const metrics = (await gaia.request("GET", "/metrics")).body as string;
    expect(metrics).toContain('gaia_sessions{pipeline="chain",state="ready"} 1');
    expect(metrics).toContain('gaia_session_node_frames_total{session="s1",node="b",direction="out"} 50');
    expect(metrics).toMatch(/gaia_channel_frames_in_flight\{session="s1",channel="a\.out->b\.in"\} \d+/);
    expect(metrics).toMatch(/gaia_channel_wait_seconds_total\{session="s1",port="a\.in"\} [\d.e-]+/);

    const ended = await gaia.request("DELETE", "/v1/sessions/s1");
    expect(ended.body.state).toBe("terminated");
    expect(await allGone(nodePids(view))).toBe(true);
    await gaia.until("the SSE stream's end event", async () => out.events.some((e) => e.event === "end"));
    out.close();
    expect(shmFiles(view.files_prefix)).toEqual([]);
  }, 60_000);

  test("the WebSocket stream takes CBOR frames in and gives every output; a bad frame is answered, the socket stays", async () => {
    await gaia.request("POST", "/v1/sessions", { pipeline: "chain", id: "ws" });
    const view = await ready(gaia, "ws");
    const got: any[] = [];
    const ws = new WebSocket(`ws+unix://${gaia.socket}:/v1/sessions/ws/stream`);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (m) => got.push(decodeCbor(new Uint8Array(m.data as ArrayBuffer)));
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    ws.send("not cbor");
    for (let i = 0; i < 20; i++) ws.send(encodeCbor({ port: "a.in", value: { i, x: i * 2 } }));
    await gaia.until("20 frames over the WebSocket", async () => got.filter((m) => m.port).length >= 20);
    expect(got.find((m) => m.error)?.error.code).toBe("bad_frame");
    const frames = got.filter((m) => m.port);
    expect(frames.every((m) => m.port === "c.out")).toBe(true);
    expect(frames.map((m) => m.value.x)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2 + 111));
    ws.close();
    await gaia.request("DELETE", "/v1/sessions/ws");
    expect(await allGone(nodePids(view))).toBe(true);
  }, 60_000);

  test("an inline pipeline; an array goes in as raw bytes (?dtype=&shape=) and comes out as JSON base64; a bad one is 400", async () => {
    // Bun passes, Python passes: the array crosses both ways unchanged.
    const inline = {
      nodes: [
        { id: "a", runtime: "bun", module: TS_NODES, node: "t.pass" },
        { id: "b", runtime: "python", python: VENV_PYTHON, module: PY_NODES, node: "py.pass" },
      ],
      connections: [{ from: "a.out", to: "b.in" }],
    };
    expect((await gaia.request("POST", "/v1/sessions", { pipeline: inline, id: "arr" })).status).toBe(201);
    const view = await ready(gaia, "arr");
    const out = await SseStream.open(gaia.socket, "/v1/sessions/arr/output/b.out");
    const x = Float32Array.from({ length: 320 }, (_, i) => i / 2);
    const raw = await gaia.request("POST", "/v1/sessions/arr/input/a.in?dtype=float32&shape=320", new Uint8Array(x.buffer), { "content-type": "application/octet-stream" });
    expect(raw.status).toBe(200);
    const frame = (await gaia.until("the array out", async () => out.events.find((e) => e.event === "frame")))!.data;
    expect(frame).toMatchObject({ dtype: "float32", shape: [320] });
    expect([...new Float32Array(new Uint8Array(Buffer.from(frame.base64, "base64")).buffer)]).toEqual([...x]);

    const short = await gaia.request("POST", "/v1/sessions/arr/input/a.in?dtype=float32&shape=321", new Uint8Array(x.buffer), { "content-type": "application/octet-stream" });
    expect(short.status).toBe(400);
    expect(short.body.error).toEqual({ code: "invalid_request", message: "an array in the input: float32 of shape [321] needs 1284 bytes; the body holds 1280" });
    const noShape = await gaia.request("POST", "/v1/sessions/arr/input/a.in?dtype=float32", new Uint8Array(8), { "content-type": "application/octet-stream" });
    expect(noShape.status).toBe(400);
    const badJson = await gaia.request("POST", "/v1/sessions/arr/input/a.in", { x: { dtype: "float32", shape: [3], base64: "AAAA" } });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.message).toContain("base64 holds 3");
    const unknownPort = await gaia.request("POST", "/v1/sessions/arr/input/a.nope", { i: 0 });
    expect(unknownPort.status).toBe(404);
    // Nothing refused reached the nodes; the session still serves.
    expect((await gaia.request("POST", "/v1/sessions/arr/input/a.in", { i: 1, x: 1 })).status).toBe(200);
    await gaia.until("the next frame", async () => out.events.filter((e) => e.event === "frame").length === 2);
    expect(out.events.filter((e) => e.event === "frame")[1]!.data).toEqual({ i: 1, x: 1 });
    out.close();
    await gaia.request("DELETE", "/v1/sessions/arr");
    expect(await allGone(nodePids(view))).toBe(true);
  }, 60_000);

  test("past max_sessions a session is refused with 429 in the error shape; an unknown pipeline is 404", async () => {
    await gaia.request("POST", "/v1/sessions", { pipeline: "chain", id: "m1" });
    await gaia.request("POST", "/v1/sessions", { pipeline: "chain", id: "m2" });
    const third = await gaia.request("POST", "/v1/sessions", { pipeline: "chain", id: "m3" });
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe("too_many_sessions");
    const unknown = await gaia.request("POST", "/v1/sessions", { pipeline: "chian" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ code: "unknown_pipeline", message: 'no pipeline named "chian" (pipelines: chain)' });
    const views = [await ready(gaia, "m1"), await ready(gaia, "m2")];
    for (const id of ["m1", "m2"]) await gaia.request("DELETE", `/v1/sessions/${id}`);
    expect(await allGone(views.flatMap(nodePids))).toBe(true);
  }, 60_000);

  test("a node killed with -9 fails its session with pipeline_terminated, naming the node; the others are stopped", async () => {
    const events = await SseStream.open(gaia.socket, "/v1/events?session=k");
    await gaia.request("POST", "/v1/sessions", { pipeline: "chain", id: "k" });
    const view = await ready(gaia, "k");
    const python = view.nodes.find((n: any) => n.id === "b").pid;
    process.kill(python, "SIGKILL");
    const failed = await gaia.until("the session failed", async () => {
      const v = (await gaia.request("GET", "/v1/sessions/k")).body;
      return v.state === "failed" ? v : undefined;
    });
    expect(failed.reason).toMatchObject({ code: "pipeline_terminated", node: "b" });
    expect(failed.reason.message).toContain("SIGKILL");
    expect(await allGone(nodePids(view))).toBe(true);
    expect(shmFiles(view.files_prefix)).toEqual([]);

    // The session's story on the bus: session.* from the engine, process.* (with session and
    // node) from the supervisor.
    const story = await gaia.until("session.failed on the bus", async () => (events.events.some((e) => e.event === "session.failed") ? events.events : undefined));
    events.close();
    const kinds = story.map((e) => e.event);
    expect(kinds.filter((k) => k.startsWith("session."))).toEqual(expect.arrayContaining(["session.created", "session.ready", "session.node.exited", "session.failed"]));
    const exited = story.find((e) => e.event === "process.exited" && e.data.data.node === "b");
    expect(exited?.data.data).toMatchObject({ session: "k", node: "b", pid: python, signal: "SIGKILL" });
    expect(story.filter((e) => e.event === "process.started").map((e) => e.data.data.node).sort()).toEqual(["a", "b", "c"]);
  }, 60_000);

  test("the CLI lists, starts and stops sessions", async () => {
    const cli = (...args: string[]) => Bun.spawnSync([resolve(import.meta.dir, "../gaia"), ...args, "--socket", gaia.socket], { stdout: "pipe", stderr: "pipe" });
    const started = cli("session", "start", "chain", "--id", "cli1");
    expect(started.stderr.toString()).toBe("");
    expect(started.stdout.toString().trim()).toBe("cli1");
    const view = await ready(gaia, "cli1");
    const listed = cli("sessions").stdout.toString();
    expect(listed).toMatch(/cli1\s+chain\s+ready\s+3/);
    const stopped = cli("session", "stop", "cli1");
    expect(stopped.stdout.toString().trim()).toBe("cli1 terminated");
    expect(await allGone(nodePids(view))).toBe(true);
    const unknown = cli("session", "stop", "nope");
    expect(unknown.exitCode).toBe(2);
  }, 60_000);
});

describe("shutdown and supervisor death", () => {
  test("gaia stop terminates the live sessions: no node process and no session file remain", async () => {
    const gaia = await Gaia.start({ config });
    try {
      await gaia.request("POST", "/v1/sessions", { pipeline: "chain", id: "live" });
      const view = await ready(gaia, "live");
      await gaia.request("POST", "/v1/sessions/live/input/a.in", { i: 0, x: 0 });
      expect(await gaia.terminate()).toBe(0);
      expect(await allGone(nodePids(view))).toBe(true);
      expect(shmFiles(view.files_prefix)).toEqual([]);
    } finally {
      await gaia.stop();
    }
  }, 60_000);

  test("after kill -9 of the supervisor its nodes exit, and the next start sweeps their files", async () => {
    const first = await Gaia.start({ config });
    const dir = first.dir;
    let view: any;
    try {
      await first.request("POST", "/v1/sessions", { pipeline: "chain", id: "orphan" });
      view = await ready(first, "orphan");
      // A 1 MiB array goes through shared-memory slots, so the session has files to leave.
      const x = { dtype: "float32", shape: [262_144], base64: Buffer.alloc(1 << 20).toString("base64") };
      expect((await first.request("POST", "/v1/sessions/orphan/input/a.in", { i: 0, x })).status).toBe(200);
      await first.until("session files in /dev/shm", async () => shmFiles(view.files_prefix).length > 0);
      first.proc.kill("SIGKILL");
      await first.proc.exited;
      // The IO engine and the nodes see their stdin close and exit on their own (SPEC §1).
      expect(await allGone(nodePids(view), 15_000)).toBe(true);
    } finally {
      await first.stop(true);
    }
    const second = await Gaia.start({ config, dir });
    try {
      expect(shmFiles(view.files_prefix)).toEqual([]);
      expect((await second.request("GET", "/v1/sessions")).body.sessions).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 60_000);
});
