import { describe, expect, test } from "bun:test";
import type { RequestHead } from "./head.ts";
import { bodyFraming, hasToken, planRequest } from "./plan.ts";

const base: RequestHead = {
  method: "GET", target: "/", version: "1.1", headers: [],
  host: "gaia", contentLength: null, transferEncoding: null, connection: null, expect: null, upgrade: null,
};
const at = (fields: Partial<RequestHead>): RequestHead => ({ ...base, ...fields });
const plan = (fields: Partial<RequestHead>) => planRequest(at(fields), "http") as any;

describe("bodyFraming", () => {
  test("chunked, then Content-Length, then none", () => {
    expect(bodyFraming(at({ transferEncoding: "chunked" }))).toEqual({ t: "chunked" });
    expect(bodyFraming(at({ transferEncoding: "Chunked" }))).toEqual({ t: "chunked" });
    expect(bodyFraming(at({ contentLength: "30" }))).toEqual({ t: "length", bytes: 30 });
    expect(bodyFraming(at({ contentLength: "0" }))).toEqual({ t: "none" });
    expect(bodyFraming(at({}))).toEqual({ t: "none" });
  });

  test("a repeated identical Content-Length is one length", () => {
    expect(bodyFraming(at({ contentLength: "5, 5" }))).toEqual({ t: "length", bytes: 5 });
  });

  test.each([
    ["both headers", { contentLength: "5", transferEncoding: "chunked" }, "both"],
    ["a negative length", { contentLength: "-1" }, "not a non-negative integer"],
    ["a non-numeric length", { contentLength: "abc" }, "not a non-negative integer"],
    ["a fractional length", { contentLength: "1.5" }, "not a non-negative integer"],
    ["a sign", { contentLength: "+5" }, "not a non-negative integer"],
    ["two different lengths", { contentLength: "5, 6" }, "not a non-negative integer"],
    ["a length beyond 2^53", { contentLength: "9999999999999999" }, "not a non-negative integer"],
    ["gzip", { transferEncoding: "gzip, chunked" }, "not supported"],
    ["chunked on HTTP/1.0", { transferEncoding: "chunked", version: "1.0" as const }, "HTTP/1.0"],
  ])("%s is a 400 that closes", (_what, fields, mentions) => {
    expect(bodyFraming(at(fields))).toMatchObject({ status: 400, code: "bad_request", close: true, message: expect.stringContaining(mentions) });
  });
});

describe("planRequest", () => {
  test("keep-alive: 1.1 unless close, 1.0 only when asked", () => {
    expect(plan({}).keepAlive).toBe(true);
    expect(plan({ connection: "close" }).keepAlive).toBe(false);
    expect(plan({ connection: "Keep-Alive, Close" }).keepAlive).toBe(false);
    expect(plan({ version: "1.0" }).keepAlive).toBe(false);
    expect(plan({ version: "1.0", connection: "keep-alive" }).keepAlive).toBe(true);
  });

  test("the URL: origin-form on the Host, a synthetic host without one, absolute-form as sent", () => {
    expect(plan({ target: "/v1/jobs?wait=5" }).url).toBe("http://gaia/v1/jobs?wait=5");
    expect(plan({ version: "1.0", host: null, target: "/health" }).url).toBe("http://localhost/health");
    expect(plan({ host: "", target: "/health" }).url).toBe("http://localhost/health");
    expect(plan({ target: "http://other:8/x" }).url).toBe("http://other:8/x");
    expect(planRequest(at({ host: "127.0.0.1:8470" }), "https")).toMatchObject({ url: "https://127.0.0.1:8470/" });
  });

  test("a Host that could rewrite the URL is a 400", () => {
    for (const host of ["evil/x", "a@b", "a?b", "a#b", "a b"]) expect(plan({ host })).toMatchObject({ status: 400 });
  });

  test("raw bytes in the target are percent-encoded", () => {
    expect(plan({ target: "/caf\xe9" }).url).toBe("http://gaia/caf%E9");
  });

  test("unknown methods, lowercase included, are answered 405 with Allow, and the connection serves on", () => {
    for (const method of ["FOO", "get", "CONNECT", "TRACE"]) {
      const p = plan({ method, target: method === "CONNECT" ? "gaia:443" : "/" });
      expect(p.answer).toMatchObject({ status: 405, code: "method_not_allowed", close: false, headers: { allow: "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS" } });
    }
    expect(plan({ method: "get" }).answer.message).toContain("case-sensitive");
    expect(plan({ method: "PATCH" }).answer).toBeNull();
  });

  test("Expect: 100-continue on a 1.1 request with a body; any other expectation is 417", () => {
    expect(plan({ method: "POST", contentLength: "5000", expect: "100-Continue" }).expectContinue).toBe(true);
    expect(plan({ method: "POST", expect: "100-continue" }).expectContinue).toBe(false);
    expect(plan({ method: "POST", contentLength: "5", expect: "100-continue", version: "1.0" }).expectContinue).toBe(false);
    expect(plan({ expect: "tea" }).answer).toMatchObject({ status: 417, close: false });
  });

  test("a WebSocket upgrade needs both Upgrade and Connection", () => {
    expect(plan({ upgrade: "websocket", connection: "Upgrade" }).websocket).toBe(true);
    expect(plan({ upgrade: "websocket", connection: "keep-alive, Upgrade" }).websocket).toBe(true);
    expect(plan({ upgrade: "websocket" }).websocket).toBe(false);
    expect(plan({ upgrade: "h2c", connection: "Upgrade" }).websocket).toBe(false);
  });
});

test("hasToken reads comma-separated tokens, case-insensitive", () => {
  expect(hasToken("close", "close")).toBe(true);
  expect(hasToken("Upgrade , keep-alive", "keep-alive")).toBe(true);
  expect(hasToken("closed", "close")).toBe(false);
  expect(hasToken(null, "close")).toBe(false);
});
