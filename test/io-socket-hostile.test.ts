/**
 * Hostile peers on io.sock (SPEC §1, §9): garbage, oversized or truncated frames, CBOR that
 * is not a message, messages that fail their schema, impostor workers, floods of connections
 * and a byte-at-a-time writer. What this file proves: each bad connection is closed by the
 * IO engine with a logged reason (or ignored with a logged reason where the message is well
 * formed), a hello without the run's secret (or with another protocol version) is refused
 * with a `fatal` frame and a log line, a forged result never settles a real job, a stray
 * "supervisor" hello cannot cut the real supervisor off, and after every attack the same IO
 * engine process still runs jobs, times them out, cancels them and tells their events.
 * Real binary, real Unix sockets, raw bytes. Where a test needs a peer that is trusted (it
 * holds the run's secret) it reads the secret from the boot file, as only the owner can.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Socket } from "bun";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeCbor } from "../src/protocol/cbor.ts";
import { encodeFrame, FrameReader, MAX_FRAME_BYTES } from "../src/protocol/frames.ts";
import { PROTOCOL_VERSION } from "../src/protocol/messages.ts";
import { Gaia } from "./helpers/gaia.ts";

let gaia: Gaia;
let ioPid: number;
let secret: string;

beforeAll(async () => {
  gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 2 }] } });
  ioPid = (await gaia.request("GET", "/v1/status")).body.io.pid;
  secret = JSON.parse(readFileSync(join(gaia.dir, ".gaia/run/io-boot.json"), "utf8")).secret;
});
afterAll(async () => gaia?.stop());

/** A raw client of io.sock: what it received, and whether the engine closed it. */
type Peer = { socket: Socket<undefined>; frames: unknown[]; closed: boolean };

async function connect(): Promise<Peer> {
  const reader = new FrameReader();
  const peer = { frames: [] as unknown[], closed: false } as Peer;
  peer.socket = await Bun.connect({
    unix: join(gaia.dir, ".gaia/run/io.sock"),
    socket: {
      open() {},
      data(_s, chunk) {
        peer.frames.push(...reader.push(new Uint8Array(chunk)));
      },
      close() {
        peer.closed = true;
      },
    },
  });
  return peer;
}

/** Frames bytes as they are: the bombs below are not values that encodeFrame could write. */
const rawFrame = (body: Uint8Array) => {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
};
const frame = (value: unknown) => rawFrame(encodeCbor(value));
const workerHello = (worker_id: string, pool = "default", key = secret) =>
  ({ t: "hello", v: PROTOCOL_VERSION, role: "worker", secret: key, pool, worker_id, pid: process.pid, runtime: "bun", tasks: ["echo", "sleep"], spare: false, running: null, unacked: [] });
const usage = { user_ms: 0, sys_ms: 0, max_rss_kb: 0 };

/** The engine closed `peer`, and its log (after `mark`) says why. */
async function droppedWith(peer: Peer, mark: number, reason: string): Promise<void> {
  await gaia.until("the engine to close the connection", async () => peer.closed);
  await gaia.until(`a log line "dropping connection: …${reason}…"`, async () =>
    gaia.output.slice(mark).split("\n").some((l) => l.includes("dropping connection") && l.includes(reason)));
}

async function engineStillServes(tag: string): Promise<void> {
  const reply = await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: { tag } });
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ state: "succeeded", result: { tag } });
}

test("garbage bytes (an HTTP request sent to io.sock) close that connection with a logged reason", async () => {
  const mark = gaia.output.length;
  const peer = await connect();
  peer.socket.write("GET /health HTTP/1.1\r\nHost: gaia\r\n\r\n");
  await droppedWith(peer, mark, "exceeds");
  await engineStillServes("after http garbage");
});

test("a frame whose bytes are not CBOR closes that connection with a logged reason", async () => {
  const mark = gaia.output.length;
  const peer = await connect();
  peer.socket.write(new Uint8Array([0, 0, 0, 6, 0x1c, 0xff, 0xfe, 0xfd, 0x00, 0xaa]));
  await droppedWith(peer, mark, "undecodable CBOR");
  await engineStillServes("after undecodable");
});

test("a length over 16 MiB is refused from its header, before any body arrives", async () => {
  const mark = gaia.output.length;
  const peer = await connect();
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, MAX_FRAME_BYTES + 1);
  peer.socket.write(header);
  await droppedWith(peer, mark, `frame length ${MAX_FRAME_BYTES + 1} exceeds`);
  await engineStillServes("after oversize");
});

test("CBOR bombs (200k-deep nesting, absurd declared lengths, trailing bytes, a cbor-x record tag) close only their connection", async () => {
  const deep = new Uint8Array(200_001).fill(0x81); // [[[[…1…]]]]: a recursive decoder's stack
  deep[200_000] = 0x01;
  const bombs = [
    deep,
    new Uint8Array([0x9a, 0xff, 0xff, 0xff, 0xff, 0x01]), // an array of 2^32-1 items, one present
    new Uint8Array([0xba, 0xff, 0xff, 0xff, 0xff, 0x61, 0x74]), // a map of 2^32-1 pairs
    new Uint8Array([0x5b, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff]), // a 1 TiB byte string
    new Uint8Array([...encodeCbor({ t: "ping", n: 1 }), 0xff, 0xff]), // one item, then more bytes
    new Uint8Array([0xd8, 0x69, 0x80]), // tag 105, cbor-x's record extension: not plain CBOR
  ];
  for (const body of bombs) {
    const mark = gaia.output.length;
    const peer = await connect();
    peer.socket.write(rawFrame(body));
    await droppedWith(peer, mark, "undecodable CBOR");
  }
  await engineStillServes("after cbor bombs");
});

test("a truncated frame followed by close leaves the engine serving", async () => {
  const peer = await connect();
  const whole = encodeFrame(workerHello("truncated-1"));
  peer.socket.write(whole.subarray(0, whole.length - 3));
  peer.socket.end();
  await gaia.until("the connection to close", async () => peer.closed);
  await engineStillServes("after truncated");
  expect((await gaia.workers()).map((w) => w.id)).not.toContain("truncated-1");
});

test("valid CBOR that is not a map (array, string, number, null) is dropped as an unknown message", async () => {
  for (const value of [[1, 2, 3], "hello", 42, null]) {
    const mark = gaia.output.length;
    const peer = await connect();
    peer.socket.write(frame(value));
    await droppedWith(peer, mark, "unknown message tag null");
  }
  await engineStillServes("after non-maps");
});

test("a map with an unknown or non-text \"t\" is dropped, naming the tag", async () => {
  let mark = gaia.output.length;
  let peer = await connect();
  peer.socket.write(frame({ t: "launch_missiles", n: 1 }));
  await droppedWith(peer, mark, 'unknown message tag "launch_missiles"');
  mark = gaia.output.length;
  peer = await connect();
  peer.socket.write(frame({ t: 7 }));
  await droppedWith(peer, mark, "unknown message tag 7");
  await engineStillServes("after unknown tags");
});

test("a \"result\" with the wrong shape is dropped, naming the bad field", async () => {
  const mark = gaia.output.length;
  const peer = await connect();
  peer.socket.write(frame({ t: "result", id: 12, ok: "yes", execution_ms: "fast" }));
  await droppedWith(peer, mark, "bad 'result' message");
  await engineStillServes("after bad result");
});

test("a well-formed result for a job this connection was never given is ignored with a log line", async () => {
  const mark = gaia.output.length;
  const peer = await connect();
  const id = Bun.randomUUIDv7();
  peer.socket.write(frame({ t: "result", id, attempt: 1, ok: true, value: 1, execution_ms: 1, usage }));
  await gaia.until("a log line about the ignored result", async () => /ignoring a 'result' message/.test(gaia.output.slice(mark)));
  expect((await gaia.request("GET", `/v1/jobs/${id}`)).status).toBe(404);
  await engineStillServes("after stray result");
  expect(gaia.output.slice(mark)).not.toContain("dropping connection");
  peer.socket.end();
});

test("a worker hello naming an unknown pool is closed with a logged reason", async () => {
  const mark = gaia.output.length;
  const peer = await connect();
  peer.socket.write(frame(workerHello("ghost-1", "no-such-pool")));
  await gaia.until("the engine to close the connection", async () => peer.closed);
  await gaia.until("a log line naming the pool", async () => gaia.output.slice(mark).includes("unknown pool 'no-such-pool'"));
  expect(peer.frames).toEqual([]); // no welcome
  await engineStillServes("after unknown pool");
});

test("an impostor worker's result for a job running on a real worker is ignored; the job still succeeds", async () => {
  const submitted = await gaia.request("POST", "/v1/jobs", { task: "sleep", payload: { ms: 500 } });
  const id = submitted.body.id;
  const running = await gaia.untilRunning(id);
  const mark = gaia.output.length;
  const impostor = await connect();
  impostor.socket.write(frame(workerHello("impostor-1")));
  await gaia.until("a welcome", async () => impostor.frames.some((f: any) => f.t === "welcome"));
  impostor.socket.write(frame({ t: "result", id, attempt: 1, ok: true, value: { forged: true }, execution_ms: 1, usage }));
  await gaia.until("a log line about the ignored result", async () =>
    gaia.output.slice(mark).includes(`ignoring a result for job ${id} (attempt 1), which worker impostor-1 was not given`));
  impostor.socket.end();
  await gaia.until("the impostor to be gone", async () => impostor.closed);
  const done = (await gaia.request("GET", `/v1/jobs/${id}?wait=10`)).body;
  expect(done).toMatchObject({ state: "succeeded", result: { slept_ms: 500 }, attempts: 1, worker: running.worker });
  await engineStillServes("after impostor");
});

test("50 connections opened and closed at once leave the engine serving", async () => {
  const peers = await Promise.all(Array.from({ length: 50 }, () => connect()));
  peers.forEach((p, i) => (i % 2 ? p.socket.write(new Uint8Array([0, 0, 0, 9, 0xa1])) : undefined));
  for (const p of peers) p.socket.end();
  await gaia.until("all 50 closed", async () => peers.every((p) => p.closed));
  await engineStillServes("after 50 connections");
});

test("a slow writer sending a valid hello one byte at a time is understood and welcomed", async () => {
  const peer = await connect();
  const bytes = encodeFrame(workerHello("slow-1"));
  for (const byte of bytes) {
    peer.socket.write(new Uint8Array([byte]));
    await Bun.sleep(3);
  }
  const welcome = await gaia.until("a welcome", async () => peer.frames.find((f: any) => f.t === "welcome"));
  expect(welcome).toMatchObject({ t: "welcome", v: PROTOCOL_VERSION, io_pid: ioPid });
  expect(peer.closed).toBe(false);
  peer.socket.end();
  await gaia.until("the connection to close", async () => peer.closed);
  await engineStillServes("after slow writer");
});

/** The engine refused `peer`: a fatal frame saying why, the connection closed, a log line. */
async function refused(peer: Peer, mark: number, why: string): Promise<void> {
  await gaia.until("the engine to close the connection", async () => peer.closed);
  expect(peer.frames).toEqual([{ t: "fatal", message: expect.stringContaining(why) }]);
  await gaia.until(`a log line saying "${why}"`, async () => gaia.output.slice(mark).split("\n").some((l) => l.includes("refusing a") && l.includes(why)));
}

test("worker hellos without the run's secret, with a wrong or a one-byte-off one, or another protocol version are refused", async () => {
  const offByOne = secret.slice(0, -1) + (secret.endsWith("0") ? "1" : "0");
  const { secret: _none, ...noSecret } = workerHello("fake-0");
  for (const hello of [noSecret, workerHello("fake-1", "default", "nope"), workerHello("fake-2", "default", offByOne), workerHello("fake-3", "default", "")]) {
    const mark = gaia.output.length;
    const peer = await connect();
    peer.socket.write(frame(hello));
    if (!("secret" in hello)) await droppedWith(peer, mark, "bad 'hello' message");
    else await refused(peer, mark, "the run's secret is missing or wrong");
  }
  const mark = gaia.output.length;
  const old = await connect();
  old.socket.write(frame({ ...workerHello("fake-4"), v: PROTOCOL_VERSION - 1 }));
  await refused(old, mark, `protocol version ${PROTOCOL_VERSION - 1}`);
  expect((await gaia.workers()).map((w) => w.id).filter((id) => id.startsWith("fake-"))).toEqual([]);
  await engineStillServes("after fake workers");
});

test("a supervisor hello with the real supervisor's pid but no secret, or from another pid, is refused; the real link still works", async () => {
  const supervisorPid = (await gaia.request("GET", "/health")).body.pid;
  const forged = [
    { t: "hello", v: PROTOCOL_VERSION, role: "supervisor", pid: supervisorPid, secret: "guess" },
    { t: "hello", v: PROTOCOL_VERSION, role: "supervisor", pid: process.pid, secret },
  ];
  for (const [i, hello] of forged.entries()) {
    const mark = gaia.output.length;
    const stray = await connect();
    stray.socket.write(frame(hello));
    await refused(stray, mark, i === 0 ? "the run's secret is missing or wrong" : `pid ${process.pid} is not this engine's supervisor`);
  }
  // Every duty that goes through the real supervisor's link still works: a timeout (a kill
  // request), a cancel (another), events, readiness and the workers' restart after the kills.
  const events = await fetchEvents();
  const timedOut = await gaia.request("POST", "/v1/jobs?wait=10", { task: "sleep", payload: { ms: 20_000 }, timeout_s: 1, retries: { max: 0 } });
  expect(timedOut.body).toMatchObject({ state: "timed_out", error: { type: "timeout" } });
  const long = (await gaia.request("POST", "/v1/jobs", { task: "sleep", payload: { ms: 20_000 } })).body.id;
  await gaia.untilRunning(long);
  expect((await gaia.request("DELETE", `/v1/jobs/${long}`)).body).toMatchObject({ state: "cancelled" });
  await gaia.until("a job.finished event for the cancelled job", async () => (await events.text()).includes(long));
  events.close();
  await gaia.until("/ready after the killed workers were replaced", async () => (await gaia.request("GET", "/ready")).status === 200);
  await engineStillServes("after stray supervisors");
});

/** A reader of /v1/events that collects what arrived. */
async function fetchEvents() {
  const controller = new AbortController();
  const res = await fetch("http://gaia/v1/events", { unix: gaia.socket, signal: controller.signal } as RequestInit);
  const reader = res.body!.getReader();
  let seen = "";
  void (async () => {
    for (;;) {
      const next = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (next.done) return;
      seen += new TextDecoder().decode(next.value);
    }
  })();
  return { text: async () => seen, close: () => controller.abort() };
}

test("after every attack the same IO engine still runs, and nothing logged an internal error", async () => {
  const status = (await gaia.request("GET", "/v1/status")).body;
  expect(status.io).toMatchObject({ state: "ok", pid: ioPid });
  expect((await gaia.request("GET", "/health")).status).toBe(200);
  await gaia.until("/ready to answer 200 (a timed-out worker is being replaced)", async () => (await gaia.request("GET", "/ready")).status === 200);
  expect(gaia.output).not.toContain("internal error");
});
