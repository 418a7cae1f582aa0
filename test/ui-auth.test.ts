/**
 * The dashboard's sign-in and what it guards (SPEC §7, §15), against the real binary over TCP
 * and HTTPS: the page loads without the token but holds no data; every data route the page
 * reads answers 401 in the error shape without the token, with a wrong cookie and with one a
 * byte off; /ui/login sets an HttpOnly, SameSite=Strict cookie (Secure over HTTPS) only for
 * the right token, and the cookie then opens the API and the event stream; a change sent
 * with the cookie alone from another origin is refused; sign-out clears the cookie; over the
 * Unix socket nothing is asked.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./helpers/browser.ts";
import { Gaia } from "./helpers/gaia.ts";

const DATA_ROUTES = ["/v1/status", "/v1/workers", "/v1/jobs?limit=20", "/v1/schedules", "/v1/arrays", "/v1/gpus", "/v1/events", "/v1/sessions", "/v1/jobs/01a20000-0000-7000-8000-000000000000/logs"];

describe("over TCP", () => {
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

  test("the page loads without the token, holds no data, and names its inline script's hash in its CSP", async () => {
    const res = await fetch(`${base}/ui/`, { headers: { "accept-encoding": "identity" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).not.toContain(token);
    const script = /<script type="module">([\s\S]*)<\/script>/.exec(html)![1]!;
    const hash = new Bun.CryptoHasher("sha256").update(script).digest("base64");
    expect(res.headers.get("content-security-policy")).toContain(`script-src 'sha256-${hash}'`);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const again = await fetch(`${base}/ui/`, { headers: { "if-none-match": res.headers.get("etag")! } });
    expect(again.status).toBe(304);
    const redirect = await fetch(`${base}/ui`, { redirect: "manual" });
    expect([redirect.status, redirect.headers.get("location")]).toEqual([308, "/ui/"]);
    const missing = await fetch(`${base}/ui/nothing-here`);
    expect([missing.status, ((await missing.json()) as any).error.code]).toEqual([404, "not_found"]);
  });

  test("without the token, with a wrong cookie and with one a byte off, the page's data routes answer 401", async () => {
    const offByOne = token.slice(0, -1) + (token.endsWith("0") ? "1" : "0");
    for (const cookie of [undefined, "gaia_token=wrong", `gaia_token=${offByOne}`, `other=${token}`]) {
      for (const path of DATA_ROUTES) {
        const res = await fetch(`${base}${path}`, { headers: cookie ? { cookie } : {} });
        expect({ path, cookie, status: res.status }).toEqual({ path, cookie, status: 401 });
        const body = (await res.json()) as any;
        expect(Object.keys(body)).toEqual(["error"]);
        expect(body.error.code).toBe("unauthorized");
      }
    }
    expect(await (await fetch(`${base}/ui/session`)).json()).toEqual({ needs_token: true, signed_in: false });
  });

  test("a wrong token signs nobody in; the right one sets the HttpOnly, SameSite=Strict cookie", async () => {
    const wrong = await fetch(`${base}/ui/login`, { method: "POST", body: JSON.stringify({ token: "nope" }) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(((await wrong.json()) as any).error.code).toBe("unauthorized");
    const right = await fetch(`${base}/ui/login`, { method: "POST", body: JSON.stringify({ token }) });
    expect(right.status).toBe(204);
    expect(right.headers.get("set-cookie")).toBe(`gaia_token=${token}; Path=/; HttpOnly; SameSite=Strict`);
  });

  test("the cookie opens the data routes and the event stream", async () => {
    const cookie = `gaia_token=${token}`;
    expect(await (await fetch(`${base}/ui/session`, { headers: { cookie } })).json()).toEqual({ needs_token: true, signed_in: true });
    expect((await fetch(`${base}/v1/status`, { headers: { cookie } })).status).toBe(200);
    const controller = new AbortController();
    const events = await fetch(`${base}/v1/events`, { headers: { cookie }, signal: controller.signal });
    expect(events.headers.get("content-type")).toStartWith("text/event-stream");
    const first = await events.body!.getReader().read();
    expect(new TextDecoder().decode(first.value)).toContain(": subscribed");
    controller.abort();
  });

  test("a change sent with the cookie alone is refused unless it comes from the page's own origin", async () => {
    const cookie = `gaia_token=${token}`;
    const job = JSON.stringify({ task: "echo", payload: "csrf?" });
    for (const origin of [undefined, "http://127.0.0.1:1", "http://evil.example", "null"]) {
      const headers: Record<string, string> = { cookie, "content-type": "text/plain" };
      if (origin) headers.origin = origin;
      const res = await fetch(`${base}/v1/jobs`, { method: "POST", headers, body: job });
      expect({ origin, status: res.status }).toEqual({ origin, status: 401 });
    }
    expect((await gaia.request("GET", "/v1/jobs")).body.jobs).toEqual([]); // none was made
    const own = await fetch(`${base}/v1/jobs`, { method: "POST", headers: { cookie, origin: base }, body: job });
    expect(own.status).toBe(202);
    const bearer = await fetch(`${base}/v1/jobs`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: job });
    expect(bearer.status).toBe(202);
  });

  test("sign-out clears the cookie", async () => {
    const res = await fetch(`${base}/ui/logout`, { method: "POST", headers: { cookie: `gaia_token=${token}`, origin: base } });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toBe("gaia_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  });

  test("over the Unix socket the page asks for nothing", async () => {
    expect((await gaia.request("GET", "/ui/session")).body).toEqual({ needs_token: false, signed_in: true });
    const login = await gaia.request("POST", "/ui/login", { token: "anything" });
    expect(login.status).toBe(204);
    expect(login.headers.get("set-cookie")).toBeNull();
    expect((await gaia.request("GET", "/ui/")).status).toBe(200);
  });
});

test("over HTTPS the cookie is Secure", async () => {
  const certs = mkdtempSync(join(tmpdir(), "gaia-ui-tls-"));
  let gaia: Gaia | undefined;
  try {
    const made = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(certs, "key.pem"), "-out", join(certs, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stderr: "pipe" });
    if (made.exitCode !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`);
    const port = freePort();
    gaia = await Gaia.start({ config: { control: { listen: `127.0.0.1:${port}`, tls: { cert: join(certs, "cert.pem"), key: join(certs, "key.pem") } } } });
    const token = readFileSync(join(gaia.dir, ".gaia/run/token"), "utf8").trim();
    const tls = { ca: readFileSync(join(certs, "cert.pem"), "utf8") };
    const res = await fetch(`https://127.0.0.1:${port}/ui/login`, { method: "POST", body: JSON.stringify({ token }), tls } as RequestInit);
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toBe(`gaia_token=${token}; Path=/; HttpOnly; SameSite=Strict; Secure`);
  } finally {
    await gaia?.stop();
    rmSync(certs, { recursive: true, force: true });
  }
});
