/**
 * Hostile and broken clients of gaia's HTTP layer (src/http/), on a real Unix socket, with
 * raw bytes: each gets the JSON error the layer promises (or is closed where no answer is
 * possible), and after each the server answers the next connection normally.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HttpServer, serveHttp } from "../src/http/index.ts";
import { RawClient, waitFor } from "./helpers/raw-http.ts";

let dir: string;
let socket: string;
let server: HttpServer;
const seen: string[] = [];
const errors: unknown[] = [];
const forever = { cancelled: 0, aborted: 0 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gaia-http-hostile-"));
  socket = join(dir, "h.sock");
  server = await serveHttp({ unix: socket }, handler, { headersTimeoutMs: 500, onError: (err) => errors.push(err) });
});
afterAll(async () => {
  await server?.stop(true);
  server?.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

async function handler(req: Request): Promise<Response> {
  const url = new URL(req.url);
  seen.push(`${req.method} ${req.url}`);
  if (url.pathname === "/echo") return new Response(await req.text());
  if (url.pathname === "/throw") throw new Error("a handler bug");
  if (url.pathname === "/not-a-response") return "nope" as unknown as Response;
  if (url.pathname === "/informational") return new Response(null, { status: 103 });
  if (url.pathname === "/forever") {
    req.signal.addEventListener("abort", () => forever.aborted++);
    return new Response(
      new ReadableStream({
        async pull(c) {
          c.enqueue(new TextEncoder().encode("data: tick\n\n"));
          await Bun.sleep(10);
        },
        cancel() {
          forever.cancelled++;
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
  }
  return Response.json({ ok: true, url: req.url });
}

const connect = () => RawClient.connect({ unix: socket });
const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: gaia\r\n\r\n`;

/** One raw exchange that must end in this JSON error and a closed connection. */
async function refusedAndClosed(bytes: string | Uint8Array, status: number, code: string): Promise<string> {
  const client = await connect();
  client.send(bytes);
  await client.waitClosed();
  const [res] = await client.responses(1);
  expect({ status: res!.status, type: res!.headers["content-type"], body: JSON.parse(res!.body) }).toEqual({
    status, type: "application/json", body: { error: { code, message: expect.any(String) } },
  });
  await stillServes();
  return JSON.parse(res!.body).error.message;
}

async function stillServes(): Promise<void> {
  const client = await connect();
  client.send(GET("/health"));
  const [res] = await client.responses(1);
  expect(res!.status).toBe(200);
  client.destroy();
}

test("a request with bare LF line ends is a JSON 400", async () => {
  expect(await refusedAndClosed("GET /health HTTP/1.1\nHost: gaia\n\n", 400, "bad_request")).toContain("bare LF");
});

test("binary garbage is a JSON 400 at once", async () => {
  const garbage = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 5) & 0xff);
  await refusedAndClosed(garbage, 400, "bad_request");
  await refusedAndClosed("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 400, "bad_request"); // TLS on the plain socket
});

test("a garbage request line and an HTTP/2 preface are JSON 400s", async () => {
  await refusedAndClosed("hello there\r\n\r\n", 400, "bad_request");
  expect(await refusedAndClosed("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, "bad_request")).toContain("HTTP/1.1");
});

test("FOO and lowercase get are 405 with Allow, and the same connection serves on", async () => {
  const client = await connect();
  client.send(`FOO / HTTP/1.1\r\nHost: gaia\r\n\r\nget /health HTTP/1.1\r\nHost: gaia\r\nContent-Length: 3\r\n\r\nabc${GET("/health")}`);
  const [foo, lower, ok] = await client.responses(3);
  for (const res of [foo!, lower!]) {
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
    expect(JSON.parse(res.body).error.code).toBe("method_not_allowed");
  }
  expect(JSON.parse(lower!.body).error.message).toContain("case-sensitive");
  expect(ok!.status).toBe(200);
  expect(client.closed).toBe(false);
  client.destroy();
});

test("HTTP/1.0 without a Host header is routed by its path, and the connection then closes", async () => {
  const client = await connect();
  client.send("GET /health HTTP/1.0\r\n\r\n");
  await client.waitClosed();
  const [res] = await client.responses(1);
  expect(res!.status).toBe(200);
  expect(JSON.parse(res!.body)).toEqual({ ok: true, url: "http://localhost/health" });
});

test("HTTP/1.0 with Connection: keep-alive is kept alive", async () => {
  const client = await connect();
  client.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /health HTTP/1.0\r\n\r\n");
  const [first, second] = await client.responses(2);
  expect(first!.headers.connection).toBe("keep-alive");
  expect(second!.status).toBe(200);
  await client.waitClosed();
});

test("100 KiB of headers is a JSON 431, then close", async () => {
  await refusedAndClosed(`GET / HTTP/1.1\r\nHost: gaia\r\nX-Big: ${"a".repeat(100 * 1024)}\r\n\r\n`, 431, "headers_too_large");
});

test("bad chunked encoding is a JSON 400", async () => {
  const head = "POST /echo HTTP/1.1\r\nHost: gaia\r\nTransfer-Encoding: chunked\r\n\r\n";
  await refusedAndClosed(`${head}zz\r\nhello\r\n0\r\n\r\n`, 400, "bad_request");
  await refusedAndClosed(`${head}3\r\nhello\r\n0\r\n\r\n`, 400, "bad_request");
});

test("both Content-Length and Transfer-Encoding, a negative length and a non-numeric one are JSON 400s", async () => {
  await refusedAndClosed("POST /echo HTTP/1.1\r\nHost: gaia\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400, "bad_request");
  await refusedAndClosed("POST /echo HTTP/1.1\r\nHost: gaia\r\nContent-Length: -5\r\n\r\nhello", 400, "bad_request");
  await refusedAndClosed("POST /echo HTTP/1.1\r\nHost: gaia\r\nContent-Length: five\r\n\r\nhello", 400, "bad_request");
});

test("a body longer than its Content-Length: the extra bytes are the next request, here a 400", async () => {
  const client = await connect();
  client.send("POST /echo HTTP/1.1\r\nHost: gaia\r\nContent-Length: 5\r\n\r\nhelloEXTRA STUFF\r\n\r\n");
  await client.waitClosed();
  const [echo, bad] = await client.responses(2);
  expect(echo!.body).toBe("hello");
  expect(bad!.status).toBe(400);
  await stillServes();
});

test("a body shorter than its Content-Length, then EOF: the handler's read fails and the connection closes", async () => {
  const before = errors.length;
  const client = await connect();
  client.send("POST /echo HTTP/1.1\r\nHost: gaia\r\nContent-Length: 10\r\n\r\nhello");
  client.end();
  await client.waitClosed();
  for (const res of await client.responses(0)) expect(JSON.parse(res.body).error.code).toBeString();
  await waitFor("the handler's failed read to be reported", () => errors.length > before);
  expect(String(errors.at(-1))).toContain("before the request body was complete");
  await stillServes();
});

test("pipelined requests are answered in order", async () => {
  const client = await connect();
  const post = "POST /echo HTTP/1.1\r\nHost: gaia\r\nContent-Length: 6\r\n\r\nsecond";
  const chunked = "POST /echo HTTP/1.1\r\nHost: gaia\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nthird\r\n0\r\n\r\n";
  client.send(GET("/first") + post + chunked + GET("/fourth"));
  const answers = await client.responses(4);
  expect(answers.map((r) => r.body.includes("/first") ? "first" : r.body.includes("/fourth") ? "fourth" : r.body)).toEqual(["first", "second", "third", "fourth"]);
  client.destroy();
});

test("a client that disconnects mid-response: its stream is cancelled and its signal aborts", async () => {
  const before = { ...forever };
  const client = await connect();
  client.send(GET("/forever"));
  await client.until("the first event", (c) => c.text.includes("data: tick"));
  client.destroy();
  await waitFor("the response stream to be cancelled", () => forever.cancelled > before.cancelled);
  await waitFor("the request signal to abort", () => forever.aborted > before.aborted);
  await waitFor("the connection to be let go", () => server.connections === 0);
  await stillServes();
});

test("a handler that throws, returns no Response, or answers 1xx gets a JSON 500, and the connection serves on", async () => {
  const client = await connect();
  client.send(GET("/throw") + GET("/not-a-response") + GET("/informational") + GET("/health"));
  const [thrown, none, informational, ok] = await client.responses(4);
  expect(informational!.status).toBe(500);
  expect(thrown!.status).toBe(500);
  expect(JSON.parse(thrown!.body)).toEqual({ error: { code: "internal", message: "internal error: a handler bug" } });
  expect(none!.status).toBe(500);
  expect(JSON.parse(none!.body).error.message).toContain("not a Response");
  expect(ok!.status).toBe(200);
  client.destroy();
});

test("a head that stops arriving is a JSON 408 after headersTimeoutMs; an idle connection is never cut", async () => {
  const idle = await connect();
  const slow = await connect();
  slow.send("GET /health HTTP/1.1\r\nHost: ga");
  await slow.waitClosed();
  const [res] = await slow.responses(1);
  expect(res!.status).toBe(408);
  expect(JSON.parse(res!.body).error.code).toBe("request_timeout");
  expect(idle.closed).toBe(false);
  idle.send(GET("/health"));
  expect((await idle.responses(1))[0]!.status).toBe(200);
  idle.destroy();
});
