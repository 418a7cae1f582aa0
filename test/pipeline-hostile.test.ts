/**
 * Connections that break the protocol, on nodes.sock and on the nodes' data sockets (Bun and
 * Python): each is dropped, or refused with `fatal`, with a log line, and the session keeps
 * streaming untouched.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { encodeCbor } from "../src/protocol/cbor.ts";
import { encodeFrame } from "../src/protocol/frames.ts";
import { PROTOCOL_VERSION } from "../src/protocol/messages.ts";
import { PY, PY_NODES, startRuntime, TS_NODES, until, within, type Harness } from "./helpers/pipelines.ts";

let h: Harness | null = null;
afterAll(() => h?.stop());

/** Connects, writes `bytes`, and returns what came back once the peer closed. */
async function poke(path: string, bytes: Uint8Array): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let closed!: () => void;
  const done = new Promise<void>((resolve) => (closed = resolve));
  const socket = await Bun.connect({
    unix: path,
    socket: { data: (_s, chunk) => void chunks.push(new Uint8Array(chunk)), close: () => closed(), error: () => closed() },
  });
  socket.write(bytes);
  await within(done, `${path} to close the connection`, 15_000);
  return new Uint8Array(Buffer.concat(chunks));
}

const lengthPrefixed = (body: Uint8Array) => {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
};
const garbage = lengthPrefixed(new Uint8Array([0xff, 0xff, 0x00]));
const oversize = new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]);
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");

test("malformed and unauthorised connections are dropped with a log line; the session streams on", async () => {
  h = await startRuntime();
  const s = await h.runtime.create({
    nodes: [
      { id: "a", runtime: "bun", module: TS_NODES, node: "t.pass" },
      { id: "b", runtime: "python", python: PY, module: PY_NODES, node: "py.pass" },
    ],
    connections: [{ from: "a.out", to: "b.in" }],
  });
  const got: number[] = [];
  s.onOutput("b.out", (v) => void got.push((v as { i: number }).i));
  for (let i = 0; i < 100; i++) await s.input("a.in", { i });
  await until(() => got.length === 100, "the first 100 frames");

  const wrongSecret = (t: string, extra: Record<string, unknown>) => encodeFrame({ t, v: PROTOCOL_VERSION, secret: "not-the-secret", session: s.id, ...extra });
  const bunSocket = join(s.pipesDir, "0.sock");
  const pySocket = join(s.pipesDir, "1.sock");

  // nodes.sock: bytes that are no CBOR, a hello with a wrong secret, one with another version.
  await poke(h.runtime.socket, garbage);
  expect(text(await poke(h.runtime.socket, wrongSecret("node.hello", { node: "a", pid: 1, runtime: "bun" })))).toContain("wrong secret");
  expect(text(await poke(h.runtime.socket, encodeFrame({ t: "node.hello", v: 99, secret: "x", session: s.id, node: "a", pid: 1, runtime: "bun" })))).toContain("protocol version 99");
  // The Bun node's data socket: undecodable bytes, a wrong secret, an open of a channel that is open.
  await poke(bunSocket, garbage);
  expect(text(await poke(bunSocket, wrongSecret("chan.open", { channel: "session->a.in" })))).toContain("wrong secret");
  // The Python node's: a length over the cap, a frame that is not a message, a channel it does not take.
  await poke(pySocket, oversize);
  await poke(pySocket, lengthPrefixed(encodeCbor([1, 2, 3])));
  const secret = (h.runtime as unknown as { opts: { secret: string } }).opts.secret;
  expect(text(await poke(pySocket, encodeFrame({ t: "chan.open", v: PROTOCOL_VERSION, secret, session: s.id, channel: "a.out->b.in" })))).toContain("already open");
  expect(text(await poke(pySocket, encodeFrame({ t: "chan.open", v: PROTOCOL_VERSION, secret, session: s.id, channel: "x->y" })))).toContain("no channel x->y");

  for (let i = 100; i < 300; i++) await s.input("a.in", { i });
  await until(() => got.length === 300, "300 frames");
  expect(got).toEqual([...Array(300).keys()]);
  expect(s.state.kind).toBe("ready");
  expect(h.launcher.events.some((e) => e.kind === "session.failed")).toBe(false);

  const runtimeLog = h.launcher.logs.join("\n");
  expect(runtimeLog).toContain("dropping connection: undecodable CBOR");
  expect(runtimeLog).toContain("refusing a connection: node hello from pid 1 with a wrong secret");
  expect(runtimeLog).toContain("refusing a connection: node hello with protocol version 99");
  await until(() => h!.launcher.linesOf("b").some((l) => l.includes("no channel x->y")), "the Python node's log lines");
  const bunLog = h.launcher.linesOf("a").join("\n");
  expect(bunLog).toContain("dropping connection: undecodable CBOR");
  expect(bunLog).toContain("refusing a channel: wrong secret for channel session->a.in");
  const pyLog = h.launcher.linesOf("b").join("\n");
  expect(pyLog).toContain("dropping connection: frame length 2147483647 exceeds the 16777216-byte cap");
  expect(pyLog).toContain("dropping connection: a frame that is not a message");
  expect(pyLog).toContain("refusing a channel: channel a.out->b.in is already open");
  await s.terminate();
});
