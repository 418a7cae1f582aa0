/**
 * HTTPS on gaia's HTTP layer (src/http/): TCP with a certificate and key that this test makes
 * with openssl in a temp dir. curl and Bun's fetch verify the certificate against it; a
 * WebSocket runs over TLS too; a client that speaks plain HTTP to the TLS port is cut off
 * and the server serves the next one.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HttpServer, serveHttp, upgradeWebSocket } from "../src/http/index.ts";
import { RawClient, run, waitFor } from "./helpers/raw-http.ts";

let dir: string;
let server: HttpServer;
let cert: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gaia-http-tls-"));
  const made = await run([
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ]);
  if (made.code !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  cert = readFileSync(join(dir, "cert.pem"), "utf8");
  const tls = { cert, key: readFileSync(join(dir, "key.pem"), "utf8") };
  server = await serveHttp({ hostname: "127.0.0.1", port: 0, tls }, (req, info) => {
    if (new URL(req.url).pathname === "/ws") return upgradeWebSocket(req, { message: (ws, data) => void ws.send(data) });
    return Response.json({ url: req.url, remote: info.remote });
  });
});
afterAll(async () => {
  await server?.stop(true);
  server?.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

test("curl verifies the certificate and gets an https URL and the client's address", async () => {
  const { stdout, stderr, code } = await run(["curl", "-sS", "--cacert", join(dir, "cert.pem"), `https://127.0.0.1:${server.port}/v1/status`]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  expect(JSON.parse(stdout)).toEqual({ url: `https://127.0.0.1:${server.port}/v1/status`, remote: "127.0.0.1" });
});

test("Bun's fetch with the certificate as its CA, several requests on one connection", async () => {
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`https://localhost:${server.port}/n/${i}`, { tls: { ca: cert } } as RequestInit);
    expect(((await res.json()) as any).url).toBe(`https://localhost:${server.port}/n/${i}`);
  }
});

test("a WebSocket over TLS (wss://)", async () => {
  const ws = new WebSocket(`wss://localhost:${server.port}/ws`, { tls: { ca: cert } } as any);
  const got: string[] = [];
  ws.onmessage = (e) => got.push(e.data as string);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("wss did not open"));
  });
  ws.send("secret");
  await waitFor("the echo", () => got.length === 1);
  expect(got).toEqual(["secret"]);
  ws.close();
});

test("plain HTTP to the TLS port is cut off, and the server serves on", async () => {
  const client = await RawClient.connect({ port: server.port! });
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await client.waitClosed();
  const { code } = await run(["curl", "-sS", "--cacert", join(dir, "cert.pem"), `https://127.0.0.1:${server.port}/`]);
  expect(code).toBe(0);
});
