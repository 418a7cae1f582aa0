import { describe, expect, test } from "bun:test";
import { decodeCbor, encodeCbor, widenIntegers } from "./cbor.ts";
import { encodeFrame, FrameError, FrameReader, MAX_FRAME_BYTES } from "./frames.ts";
import { parseMessage } from "./messages.ts";

const ping = { t: "ping", n: 1 };

describe("FrameReader", () => {
  test("reassembles frames split at every byte", () => {
    const bytes = new Uint8Array([...encodeFrame(ping), ...encodeFrame({ t: "pong", n: 2 })]);
    const reader = new FrameReader();
    const out: unknown[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...reader.push(bytes.subarray(i, i + 1)));
    expect(out).toEqual([ping, { t: "pong", n: 2 }]);
  });
  test("keeps nothing that aliases a chunk the socket may reuse", () => {
    const two = new Uint8Array([...encodeFrame(ping), ...encodeFrame({ t: "pong", n: 2 })]);
    const reader = new FrameReader();
    const chunk = two.slice(0, encodeFrame(ping).length + 3); // one frame and a bit of the next
    expect(reader.push(chunk)).toEqual([ping]);
    chunk.fill(0xff); // the socket reuses its buffer
    expect(reader.push(two.slice(chunk.length))).toEqual([{ t: "pong", n: 2 }]);
  });
  test("a large frame in many small chunks is read once", () => {
    const big = { t: "req", id: 1, op: "batch", args: { jobs: Array.from({ length: 5000 }, (_, i) => ({ task: "echo", payload: { i } })) } };
    const bytes = encodeFrame(big);
    const reader = new FrameReader();
    const out: unknown[] = [];
    for (let i = 0; i < bytes.length; i += 1000) out.push(...reader.push(bytes.slice(i, i + 1000)));
    expect(out).toEqual([big]);
  });
  test("reads many frames from one chunk", () => {
    const one = encodeFrame(ping);
    const chunk = new Uint8Array(one.length * 3);
    for (let i = 0; i < 3; i++) chunk.set(one, i * one.length);
    expect(new FrameReader().push(chunk)).toHaveLength(3);
  });
  test("refuses a length over the cap before buffering it", () => {
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, MAX_FRAME_BYTES + 1);
    expect(() => new FrameReader().push(header)).toThrow(FrameError);
  });
  test("refuses bytes that are not CBOR", () => {
    const frame = new Uint8Array([0, 0, 0, 3, 0xff, 0x00, 0xaa]);
    expect(() => new FrameReader().push(frame)).toThrow(/undecodable CBOR/);
  });
  test("refuses to encode a frame over the cap", () => {
    expect(() => encodeFrame({ t: "ping", pad: "x".repeat(MAX_FRAME_BYTES) })).toThrow(FrameError);
  });
});

describe("CBOR", () => {
  test("integers beyond 32 bits stay integers on the wire", () => {
    expect(Buffer.from(encodeCbor(5_000_000_000)).toString("hex")).toBe("1b000000012a05f200");
    expect(decodeCbor(encodeCbor({ n: -5_000_000_000 }))).toEqual({ n: -5_000_000_000 });
  });
  test("widening copies only what changes and never mutates the input", () => {
    const inner = { a: 1 };
    const value = { inner, big: [2 ** 40] };
    const widened = widenIntegers(value) as typeof value;
    expect(widened.inner).toBe(inner);
    expect(value.big[0]).toBe(2 ** 40);
    expect(widenIntegers(inner)).toBe(inner);
  });
  test("byte strings are plain major type 2, not tag 64", () => {
    expect(Buffer.from(encodeCbor(new Uint8Array([1, 2]))).toString("hex")).toBe("420102");
  });
});

describe("parseMessage", () => {
  test("names what is wrong with a message", () => {
    expect(parseMessage({ t: "result", id: "x" })).toMatchObject({ ok: false });
    expect(parseMessage({ t: "nope" })).toEqual({ ok: false, reason: 'unknown message tag "nope"' });
    expect(parseMessage([1, 2])).toEqual({ ok: false, reason: "unknown message tag null" });
  });
});
