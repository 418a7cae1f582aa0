/**
 * gaia's HTTP layer (src/http/) with real clients on a real Unix socket: curl (plain, an
 * upload that asks for 100 Continue, a chunked upload from stdin, a stream read with -N,
 * HTTP/1.0 with -0), Bun's fetch, and raw sockets where the bytes matter. Also the promises
 * about memory: a 1 GiB file download and a paused upload are never held whole.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HttpServer, serveHttp, sizedResponse } from "../src/http/index.ts";
import { RawClient, run, waitFor } from "./helpers/raw-http.ts";

let dir: string;
let socket: string;
let server: HttpServer;
const errors: unknown[] = [];
/** The step an event stream waits for before each next event. */
let nextEvent: (() => void) | null = null;
/** An upload handler waits on this before it reads a byte. */
let readUpload: (() => void) | null = null;

const GIB = 1024 * 1024 * 1024;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gaia-http-server-"));
  socket = join(dir, "h.sock");
  const sparse = openSync(join(dir, "sparse.bin"), "w");
  ftruncateSync(sparse, GIB); // a 1 GiB file that takes no disk
  closeSync(sparse);
  server = await serveHttp({ unix: socket }, handler, { onError: (err) => errors.push(err) });
});
afterAll(async () => {
  await server?.stop(true);
  server?.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

async function handler(req: Request): Promise<Response> {
  const url = new URL(req.url);
  switch (url.pathname) {
    case "/echo":
      return new Response(await req.arrayBuffer(), { headers: { "x-method": req.method } });
    case "/sha":
      return Response.json(await digest(req.body!));
    case "/paused-upload": {
      await new Promise<void>((resolve) => (readUpload = resolve));
      return Response.json(await digest(req.body!));
    }
    case "/events":
      return new Response(events(Number(url.searchParams.get("n") ?? 3)), { headers: { "content-type": "text/event-stream" } });
    case "/file":
      return new Response(Bun.file(join(dir, "sparse.bin")));
    case "/kinds": {
      const kind = url.searchParams.get("k");
      const bodies: Record<string, ConstructorParameters<typeof Response>[0]> = { string: "héllo", bytes: new Uint8Array([1, 2, 3]), buffer: new ArrayBuffer(4), blob: new Blob(["blob!"]), file: Bun.file(join(dir, "small.txt")), large: "x".repeat(1_000_000) };
      return new Response(bodies[kind!]!);
    }
    case "/sized":
      return sizedResponse(JSON.stringify({ sized: "é" }), { status: 201, headers: { "content-type": "application/json" } });
    case "/sized-rewrapped": {
      const made = sizedResponse("abc");
      return new Response(made.body, made); // what a middleware that replaces the Response does
    }
    case "/lies":
      return new Response("twelve bytes", { headers: { "content-length": url.searchParams.get("says")! } });
    default:
      return Response.json({ method: req.method, url: req.url, host: req.headers.get("host") });
  }
}

/** Events that each wait for the test's go (`nextEvent`), so a test can see one arrive before the next exists. */
function events(n: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    async pull(c) {
      if (sent > 0) await new Promise<void>((resolve) => (nextEvent = resolve));
      c.enqueue(new TextEncoder().encode(`data: ${sent++}\n\n`));
      if (sent === n) c.close();
    },
  });
}

async function digest(body: ReadableStream<Uint8Array>): Promise<{ bytes: number; sha: string }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha: hash.digest("hex") };
}

const curl = (...args: string[]) => run(["curl", "-sS", "--unix-socket", socket, ...args]);

test("curl: a plain GET, with a Date and a Content-Length", async () => {
  const { stdout, code } = await curl("-i", "http://gaia/v1/status");
  expect(code).toBe(0);
  expect(stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  expect(stdout).toMatch(/\r\ndate: \w{3}, \d\d \w{3} \d{4} /);
  expect(stdout).toMatch(/\r\ncontent-length: \d+\r\n/);
  expect(JSON.parse(stdout.split("\r\n\r\n")[1]!)).toEqual({ method: "GET", url: "http://gaia/v1/status", host: "gaia" });
});

test("curl -d @file with Expect: 100-continue: Continue is sent when the handler reads, and the body arrives whole", async () => {
  // curl 7.88 asks by itself only above 1 MiB; the header asks for a 5000-byte body too.
  for (const [size, extra] of [[5000, ["-H", "Expect: 100-continue"]], [2 * 1024 * 1024, []]] as const) {
    const body = "x".repeat(size);
    writeFileSync(join(dir, "body.txt"), body);
    const { stdout, stderr, code } = await curl("-v", ...extra, "-d", `@${join(dir, "body.txt")}`, "http://gaia/echo");
    expect(code).toBe(0);
    expect(stderr).toContain("Expect: 100-continue");
    expect(stderr).toContain("HTTP/1.1 100 Continue");
    expect(stdout.length).toBe(size);
  }
});

test("curl -T - sends stdin chunked; the body arrives whole", async () => {
  const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
  const { stdout, stderr, code } = await run(["curl", "-sSv", "--unix-socket", socket, "-T", "-", "http://gaia/sha"], { stdin: data });
  expect(code).toBe(0);
  expect(stderr).toContain("Transfer-Encoding: chunked");
  expect(JSON.parse(stdout)).toEqual({ bytes: data.length, sha: createHash("sha256").update(data).digest("hex") });
});

test("a stream is sent chunked as it is made: the first event arrives before the second exists", async () => {
  const res = await fetch("http://gaia/events?n=3", { unix: socket } as RequestInit);
  expect(res.headers.get("transfer-encoding")).toBe("chunked");
  const reader = res.body!.getReader();
  const seen: string[] = [];
  const decoder = new TextDecoder();
  for (let i = 0; i < 3; i++) {
    const { value } = await reader.read();
    seen.push(decoder.decode(value));
    await waitFor("the stream to wait for its next go", () => nextEvent !== null || i === 2);
    nextEvent?.();
    nextEvent = null;
  }
  expect(seen).toEqual(["data: 0\n\n", "data: 1\n\n", "data: 2\n\n"]);
  expect((await reader.read()).done).toBe(true);
});

test("curl -N reads the stream to its end", async () => {
  const go = setInterval(() => nextEvent?.(), 5);
  const { stdout, code } = await curl("-N", "http://gaia/events?n=4");
  clearInterval(go);
  expect(code).toBe(0);
  expect(stdout).toBe("data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\n");
});

test("curl -0 (HTTP/1.0): sized answers, and a stream ended by closing the connection", async () => {
  const plain = await curl("-0", "-i", "http://gaia/health");
  expect(plain.stdout).toMatch(/\r\ncontent-length: \d+\r\n/);
  const go = setInterval(() => nextEvent?.(), 5);
  const stream = await curl("-0", "-i", "http://gaia/events?n=2");
  clearInterval(go);
  expect(stream.stdout).not.toContain("transfer-encoding");
  expect(stream.stdout.split("\r\n\r\n")[1]).toBe("data: 0\n\ndata: 1\n\n");
});

test("Bun's fetch over the Unix socket: a POST with a JSON body", async () => {
  const res = await fetch("http://gaia/echo", { unix: socket, method: "POST", body: '{"task":"echo"}' } as RequestInit);
  expect(res.status).toBe(200);
  expect(res.headers.get("x-method")).toBe("POST");
  expect(await res.text()).toBe('{"task":"echo"}');
});

test("strings (a 1 MB one too: Bun reads it in 16 KiB pieces), bytes, ArrayBuffers, Blobs and small files get a Content-Length; HEAD gets no body", async () => {
  writeFileSync(join(dir, "small.txt"), "small file");
  const client = await RawClient.connect({ unix: socket });
  for (const k of ["string", "bytes", "buffer", "blob", "file", "large"]) client.send(`GET /kinds?k=${k} HTTP/1.1\r\nHost: gaia\r\n\r\n`);
  const answers = await client.responses(6);
  expect(answers.map((r) => r.headers["content-length"])).toEqual(["6", "3", "4", "5", "10", "1000000"]);
  client.send("HEAD /health HTTP/1.1\r\nHost: gaia\r\n\r\nGET /health HTTP/1.1\r\nHost: gaia\r\n\r\n");
  await client.until("the HEAD and GET answers", (c) => c.text.split("HTTP/1.1 200").length === 9);
  const head = client.text.split("HTTP/1.1 200").at(-2)!;
  expect(head).toMatch(/\r\n\r\n$/); // no body after the HEAD's head
  client.destroy();
});

test("a Content-Length the handler got wrong: a longer body is cut there, a shorter one closes; both are reported", async () => {
  const before = errors.length;
  const short = await RawClient.connect({ unix: socket });
  short.send("GET /lies?says=5 HTTP/1.1\r\nHost: gaia\r\n\r\n");
  await short.waitClosed();
  expect(short.text.endsWith("\r\n\r\ntwelv")).toBe(true);
  const long = await RawClient.connect({ unix: socket });
  long.send("GET /lies?says=20 HTTP/1.1\r\nHost: gaia\r\n\r\n");
  await long.waitClosed();
  expect(long.text.endsWith("\r\n\r\ntwelve bytes")).toBe(true);
  expect(errors.slice(before).map(String).join(" ")).toMatch(/longer than its Content-Length 5.*has 12 bytes, its Content-Length says 20/);
});

test("a 1 GiB file download is streamed, never held whole in memory", async () => {
  Bun.gc(true);
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const { stdout, code } = await curl("-o", "/dev/null", "-w", "%{size_download}", "http://gaia/file");
  clearInterval(sampler);
  expect(code).toBe(0);
  expect(Number(stdout)).toBe(GIB);
  const grewMiB = Math.round((peak - before) / 2 ** 20);
  expect(grewMiB).toBeLessThan(256);
  console.log(`1 GiB download: rss grew ${grewMiB} MiB at most`);
}, 60_000);

test("an upload the handler does not read yet stops being read from the socket (backpressure), and arrives intact", async () => {
  const size = 64 * 1024 * 1024;
  const file = join(dir, "upload.bin");
  const fd = openSync(file, "w");
  const hash = createHash("sha256");
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < size / block.length; i++) {
    block.fill(i % 256);
    block.writeUInt32BE(i, 0);
    writeSync(fd, block);
    hash.update(block);
  }
  closeSync(fd);
  Bun.gc(true);
  const before = process.memoryUsage().rss;
  const upload = curl("-H", "Content-Type: application/octet-stream", "--data-binary", `@${file}`, "http://gaia/paused-upload");
  await waitFor("the upload handler to be waiting", () => readUpload !== null);
  await Bun.sleep(300); // the client pushes meanwhile; the server must not take it all in
  const heldMiB = Math.round((process.memoryUsage().rss - before) / 2 ** 20);
  readUpload!();
  readUpload = null;
  const { stdout, code } = await upload;
  expect(code).toBe(0);
  expect(JSON.parse(stdout)).toEqual({ bytes: size, sha: hash.digest("hex") });
  expect(heldMiB).toBeLessThan(32);
  console.log(`paused 64 MiB upload: rss grew ${heldMiB} MiB while unread`);
}, 60_000);

test("stop(true): the socket file goes, idle connections close, a busy one finishes its answer first, a fresh one gets its first request answered", async () => {
  const own = join(dir, "own.sock");
  let release: (() => void) | undefined;
  const s = await serveHttp({ unix: own }, async (req) => {
    if (new URL(req.url).pathname === "/quick") return new Response("quick");
    await new Promise<void>((resolve) => (release = resolve));
    return new Response("done");
  });
  const idle = await RawClient.connect({ unix: own });
  idle.send("GET /quick HTTP/1.1\r\nHost: gaia\r\n\r\n");
  await idle.responses(1);
  const fresh = await RawClient.connect({ unix: own }); // accepted, its request not sent yet
  const silent = await RawClient.connect({ unix: own });
  const busy = await RawClient.connect({ unix: own });
  busy.send("GET / HTTP/1.1\r\nHost: gaia\r\n\r\n");
  await waitFor("the busy request to reach its handler", () => release !== undefined);
  await s.stop(true);
  expect(await Bun.file(own).exists()).toBe(false);
  await idle.waitClosed(300); // it had its answer: closed at once, not after the grace
  fresh.send("GET /quick HTTP/1.1\r\nHost: gaia\r\n\r\n");
  const [first] = await fresh.responses(1);
  expect({ body: first!.body, connection: first!.headers.connection }).toEqual({ body: "quick", connection: "close" });
  await fresh.waitClosed();
  await silent.waitClosed(); // nothing within the grace: closed
  expect(busy.closed).toBe(false);
  release!();
  await busy.waitClosed();
  const [res] = await busy.responses(1);
  expect(res!.body).toBe("done");
  expect(res!.headers.connection).toBe("close");
});

test("a handler that answers without reading a large body: no 100 Continue is sent, and the connection closes", async () => {
  const client = await RawClient.connect({ unix: socket });
  client.send("POST /health HTTP/1.1\r\nHost: gaia\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n");
  await client.waitClosed();
  expect(client.text).not.toContain("100 Continue");
  const [res] = await client.responses(1);
  expect(res!.status).toBe(200);
  expect(res!.headers.connection).toBe("close");
});

test("a small unread body is read past after the answer, and the connection serves on", async () => {
  const client = await RawClient.connect({ unix: socket });
  const head = "POST /health HTTP/1.1\r\nHost: gaia\r\nContent-Length: 20000\r\n\r\n";
  client.send(head + "a".repeat(5000)); // the handler answers before the rest has come
  await client.responses(1);
  client.send("a".repeat(15000) + "GET /after HTTP/1.1\r\nHost: gaia\r\n\r\n");
  const [first, second] = await client.responses(2);
  expect(first!.headers.connection).toBeUndefined();
  expect(JSON.parse(second!.body).url).toBe("http://gaia/after");
  client.destroy();
});

test("sizedResponse: its bytes and length go out with the head, HEAD included; a Response rewrapped from it still works", async () => {
  const client = await RawClient.connect({ unix: socket });
  client.send("GET /sized HTTP/1.1\r\nHost: gaia\r\n\r\nGET /sized-rewrapped HTTP/1.1\r\nHost: gaia\r\n\r\n");
  const [sized, rewrapped] = await client.responses(2);
  expect({ status: sized!.status, length: sized!.headers["content-length"], body: Buffer.from(sized!.body, "latin1").toString() }).toEqual({
    status: 201, length: "14", body: '{"sized":"é"}',
  });
  expect(rewrapped!.body).toBe("abc");
  client.send("HEAD /sized HTTP/1.1\r\nHost: gaia\r\n\r\n");
  await client.until("the HEAD answer", (c) => c.text.split("HTTP/1.1 ").length === 4);
  expect(client.text.split("HTTP/1.1 ")[3]).toMatch(/^201 Created\r\n[^]*content-length: 14\r\n\r\n$/);
  client.destroy();
});
