/**
 * WebSockets on gaia's HTTP layer (src/http/websocket/): Bun's own WebSocket client over TCP
 * and over the Unix socket (`ws+unix://`), and raw frames for what a well-behaved client
 * never sends: fragments, pings, unmasked frames, oversized messages. Also both directions of
 * backpressure: `send` answering false with `bufferedAmount` showing, then `drain`; and a
 * message handler's promise holding the next message.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HttpServer, type ServerWebSocket, serveHttp, upgradeWebSocket } from "../src/http/index.ts";
import { RawClient, waitFor } from "./helpers/raw-http.ts";

let dir: string;
let socket: string;
let unix: HttpServer;
let tcp: HttpServer;
const closes: { path: string; code: number; reason: string }[] = [];
const flood = { refusedAt: -1, bufferedAtRefusal: 0, drained: false };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gaia-http-ws-"));
  socket = join(dir, "ws.sock");
  unix = await serveHttp({ unix: socket }, handler);
  tcp = await serveHttp({ hostname: "127.0.0.1", port: 0 }, handler);
});
afterAll(async () => {
  for (const s of [unix, tcp]) {
    await s?.stop(true);
    s?.closeAll();
  }
  rmSync(dir, { recursive: true, force: true });
});

function handler(req: Request): Response {
  const path = new URL(req.url).pathname;
  const close = (_ws: ServerWebSocket, code: number, reason: string) => void closes.push({ path, code, reason });
  if (path === "/echo") return upgradeWebSocket(req, { message: (ws, data) => void ws.send(data), close });
  if (path === "/small") return upgradeWebSocket(req, { message: (ws, data) => void ws.send(data), close }, { maxMessageBytes: 1024 });
  if (path === "/slow") {
    let first = true;
    return upgradeWebSocket(req, {
      async message(ws, data) {
        if (first) await Bun.sleep(100); // the next messages must wait for this one
        first = false;
        ws.send(data);
      },
    });
  }
  if (path === "/flood") {
    return upgradeWebSocket(req, {
      open(ws) {
        const mib = new Uint8Array(1024 * 1024);
        for (let i = 0; i < 256 && flood.refusedAt < 0; i++) {
          if (!ws.send(mib)) [flood.refusedAt, flood.bufferedAtRefusal] = [i, ws.bufferedAmount];
        }
      },
      drain() {
        flood.drained = true;
      },
      message() {},
    });
  }
  return Response.json({ path });
}

/** Opens a Bun WebSocket and collects what it receives. */
async function open(url: string) {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const got: (string | Uint8Array)[] = [];
  ws.onmessage = (e) => got.push(typeof e.data === "string" ? e.data : new Uint8Array(e.data));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (ws.onclose = (e) => resolve({ code: e.code, reason: e.reason })));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`cannot open ${url}`));
  });
  return { ws, got, closed };
}

test("Bun's client over TCP: text and binary echo (1 MiB too), and the close code and reason reach the server", async () => {
  const { ws, got, closed } = await open(`ws://127.0.0.1:${tcp.port}/echo`);
  const big = Uint8Array.from({ length: 1024 * 1024 }, (_, i) => i % 253);
  ws.send("héllo");
  ws.send(new Uint8Array([1, 2, 3]));
  ws.send(big);
  await waitFor("three echoes", () => got.length === 3);
  expect(got[0]).toBe("héllo");
  expect([...(got[1] as Uint8Array)]).toEqual([1, 2, 3]);
  expect(Buffer.from(got[2] as Uint8Array).equals(Buffer.from(big))).toBe(true);
  ws.close(4000, "bye");
  expect(await closed).toEqual({ code: 4000, reason: "" });
  await waitFor("the server's close handler", () => closes.some((c) => c.code === 4000));
  expect(closes.find((c) => c.code === 4000)).toEqual({ path: "/echo", code: 4000, reason: "bye" });
});

test("Bun's client over the Unix socket (ws+unix://path:/route)", async () => {
  const { ws, got } = await open(`ws+unix://${socket}:/echo`);
  ws.send("over unix");
  await waitFor("the echo", () => got.length === 1);
  expect(got).toEqual(["over unix"]);
  ws.close();
});

test("a message handler's promise holds the next messages: order is kept", async () => {
  const { ws, got } = await open(`ws://127.0.0.1:${tcp.port}/slow`);
  for (const m of ["1", "2", "3"]) ws.send(m);
  await waitFor("three echoes", () => got.length === 3);
  expect(got).toEqual(["1", "2", "3"]);
  ws.close();
});

test("backpressure: send answers false with bufferedAmount showing, and drain comes when the client reads", async () => {
  const client = net.connect(socket);
  await new Promise((resolve) => client.once("connect", resolve));
  client.write(handshake("/flood"));
  await new Promise((resolve) => client.once("data", resolve));
  client.pause(); // read nothing more: the server's socket buffer fills
  await waitFor("send to answer false", () => flood.refusedAt >= 0);
  expect(flood.bufferedAtRefusal).toBeGreaterThan(0);
  expect(flood.drained).toBe(false);
  client.resume();
  await waitFor("the drain handler", () => flood.drained);
  client.destroy();
});

const KEY = "dGhlIHNhbXBsZSBub25jZQ=="; // RFC 6455 §1.3's sample
const handshake = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: gaia\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;

/** A raw client past the handshake; the 101's head is dropped from its text. */
async function rawSocket(path: string): Promise<{ client: RawClient; frames: () => { op: number; payload: Buffer }[] }> {
  const client = await RawClient.connect({ unix: socket });
  client.send(handshake(path));
  await client.until("the 101", (c) => c.text.includes("\r\n\r\n"));
  const head = client.text.slice(0, client.text.indexOf("\r\n\r\n") + 4);
  expect(head).toStartWith("HTTP/1.1 101 Switching Protocols\r\n");
  expect(head).toContain("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n");
  return { client, frames: () => serverFrames(Buffer.from(client.text.slice(head.length), "latin1")) };
}

function serverFrames(buf: Buffer): { op: number; payload: Buffer }[] {
  const out = [];
  let at = 0;
  while (at + 2 <= buf.length) {
    let n = buf[at + 1]! & 0x7f;
    let header = 2;
    if (n === 126) [n, header] = [buf.readUInt16BE(at + 2), 4];
    else if (n === 127) [n, header] = [Number(buf.readBigUInt64BE(at + 2)), 10];
    if (at + header + n > buf.length) break;
    out.push({ op: buf[at]! & 0x0f, payload: buf.subarray(at + header, at + header + n) });
    at += header + n;
  }
  return out;
}

function frame(op: number, payload: string | Uint8Array, { fin = true, masked = true } = {}): Uint8Array {
  const data = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload);
  const mask = [9, 8, 7, 6];
  const len = data.length < 126 ? [data.length] : [126, data.length >> 8, data.length & 0xff];
  const head = [(fin ? 0x80 : 0) | op, (masked ? 0x80 : 0) | len[0]!, ...len.slice(1), ...(masked ? mask : [])];
  return Buffer.concat([Buffer.from(head), masked ? Buffer.from(data.map((b, i) => b ^ mask[i & 3]!)) : data]);
}
const closeCode = (f: { payload: Buffer }) => f.payload.readUInt16BE(0);

test("fragments are reassembled into one message, and a ping gets a pong with its payload", async () => {
  const { client, frames } = await rawSocket("/echo");
  client.send(frame(1, "hel", { fin: false }));
  client.send(frame(9, "are you there"));
  client.send(frame(0, "lo", { fin: false }));
  client.send(frame(0, " world"));
  await client.until("a pong and the echo", () => frames().length >= 2);
  expect(frames().map((f) => [f.op, f.payload.toString()])).toEqual([[10, "are you there"], [1, "hello world"]]);
  client.destroy();
});

test("an unmasked client frame closes with 1002", async () => {
  const { client, frames } = await rawSocket("/echo");
  client.send(frame(1, "naked", { masked: false }));
  await client.waitClosed();
  expect(frames().map((f) => [f.op, closeCode(f)])).toEqual([[8, 1002]]);
  expect(frames()[0]!.payload.subarray(2).toString()).toContain("masked");
});

test("a message over maxMessageBytes closes with 1009, whole or in fragments", async () => {
  for (const send of [(c: RawClient) => c.send(frame(2, new Uint8Array(2000))), (c: RawClient) => {
    c.send(frame(2, new Uint8Array(600), { fin: false }));
    c.send(frame(0, new Uint8Array(600)));
  }]) {
    const { client, frames } = await rawSocket("/small");
    send(client);
    await client.waitClosed();
    expect(frames().map((f) => [f.op, closeCode(f)])).toEqual([[8, 1009]]);
  }
});

test("a client that drops its socket without a close frame: the server's close handler sees 1006", async () => {
  const { client } = await rawSocket("/echo");
  const before = closes.length;
  client.destroy();
  await waitFor("the close handler", () => closes.length > before);
  expect(closes.at(-1)).toMatchObject({ code: 1006 });
});

test("a plain GET to a WebSocket route is a JSON 400; a wrong version is 426 naming 13", async () => {
  const plain = await fetch("http://gaia/echo", { unix: socket } as RequestInit);
  expect(plain.status).toBe(400);
  expect(((await plain.json()) as any).error.code).toBe("bad_request");
  const client = await RawClient.connect({ unix: socket });
  client.send(handshake("/echo").replace("Version: 13", "Version: 8"));
  const [res] = await client.responses(1);
  expect(res!.status).toBe(426);
  expect(res!.headers["sec-websocket-version"]).toBe("13");
  client.destroy();
});

test("stop(true) closes open WebSockets with 1001", async () => {
  const own = await serveHttp({ unix: join(dir, "stop.sock") }, handler);
  const { closed } = await open(`ws+unix://${join(dir, "stop.sock")}:/echo`);
  await own.stop(true);
  expect(await closed).toMatchObject({ code: 1001 });
});
