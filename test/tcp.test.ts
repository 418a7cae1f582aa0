/**
 * The TCP listener (SPEC §7): every request but /health, /ready (and /metrics with
 * metrics_public) needs `Authorization: Bearer <token>`, the token gaia made in the run dir
 * (0600); no token, a wrong one and one a byte off are 401 in the error shape; HTTPS with a
 * certificate the test makes with openssl; the Unix socket needs no token.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Gaia } from "./helpers/gaia.ts";
import { freePort } from "./helpers/ports.ts";

describe("over plain TCP", () => {
  let gaia: Gaia;
  let base: string;
  let token: string;
  beforeAll(async () => {
    const port = freePort();
    gaia = await Gaia.start({ config: { control: { listen: `127.0.0.1:${port}` } } });
    base = `http://127.0.0.1:${port}`;
    token = readFileSync(join(gaia.dir, ".gaia/run/token"), "utf8").trim();
  });
  afterAll(async () => gaia?.stop());

  test("gaia made the token: 64 hex digits, mode 0600", () => {
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(gaia.dir, ".gaia/run/token")).mode & 0o777).toBe(0o600);
  });

  test("no token, a wrong one, and one a byte off are 401 in the error shape", async () => {
    const offByOne = token.slice(0, -1) + (token.endsWith("0") ? "1" : "0");
    for (const auth of [undefined, "Bearer nope", `Bearer ${offByOne}`, `Bearer ${token}x`, `Basic ${token}`]) {
      const res = await fetch(`${base}/v1/status`, { headers: auth ? { authorization: auth } : {} });
      expect({ auth, status: res.status }).toEqual({ auth, status: 401 });
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    }
  });

  test("the right token works; /health and /ready need none; /metrics needs it (metrics_public is off)", async () => {
    const res = await fetch(`${base}/v1/jobs?wait=10`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ task: "echo", payload: "over tcp" }) });
    expect(((await res.json()) as { result: string }).result).toBe("over tcp");
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  test("the Unix socket needs no token", async () => {
    expect((await gaia.request("GET", "/v1/status")).status).toBe(200);
  });
});

describe("over HTTPS, with metrics_public", () => {
  const certs = mkdtempSync(join(tmpdir(), "gaia-tls-"));
  let gaia: Gaia;
  let base: string;
  beforeAll(async () => {
    const made = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(certs, "key.pem"), "-out", join(certs, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stderr: "pipe" });
    if (made.exitCode !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`);
    const port = freePort();
    gaia = await Gaia.start({ config: { control: { listen: `127.0.0.1:${port}`, tls: { cert: join(certs, "cert.pem"), key: join(certs, "key.pem") }, metrics_public: true } } });
    base = `https://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await gaia?.stop();
    rmSync(certs, { recursive: true, force: true });
  });

  test("HTTPS answers with the token, refuses without; /metrics is open", async () => {
    const token = readFileSync(join(gaia.dir, ".gaia/run/token"), "utf8").trim();
    const tls = { ca: readFileSync(join(certs, "cert.pem"), "utf8") };
    const ok = await fetch(`${base}/v1/status`, { headers: { authorization: `Bearer ${token}` }, tls } as RequestInit);
    expect(ok.status).toBe(200);
    expect((await fetch(`${base}/v1/status`, { tls } as RequestInit)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { tls } as RequestInit)).status).toBe(200);
  });
});

test("a listen address already taken is a config error at start (exit 2)", async () => {
  const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    const gaia = await Gaia.start({ waitReady: false, config: { control: { listen: `127.0.0.1:${taken.port}` } } });
    expect(await gaia.proc.exited).toBe(2);
    expect(gaia.output).toContain(`config: control.listen: cannot listen on 127.0.0.1:${taken.port}`);
    await gaia.stop();
  } finally {
    taken.stop(true);
  }
});
