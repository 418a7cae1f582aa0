import { describe, expect, test } from "bun:test";
import { DEFAULT_HEAD_LIMITS, parseHead, type RequestHead, scanHead } from "./head.ts";

const limits = DEFAULT_HEAD_LIMITS;

/** Scans and parses `text` as one arrival. */
function parse(text: string | Buffer) {
  const buf = typeof text === "string" ? Buffer.from(text, "latin1") : text;
  const scan = scanHead(buf, 0, limits);
  if (scan.t !== "complete") return scan;
  return parseHead(buf, scan.start, scan.end, limits);
}
const head = (text: string) => parse(text) as RequestHead;
const refusal = (text: string | Buffer) => {
  const out = parse(text) as any;
  return out.t === "refuse" ? out.refusal : out;
};

describe("scanHead", () => {
  test("finds the end of a whole head and skips leading empty lines", () => {
    const buf = Buffer.from("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nBODY");
    expect(scanHead(buf, 0, limits)).toEqual({ t: "complete", start: 4, end: buf.length - 4 });
  });

  test("a head arriving byte by byte is partial until its empty line, and never rescanned from the start", () => {
    const text = Buffer.from("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n");
    let scanned = 0;
    for (let n = 1; n < text.length; n++) {
      const scan = scanHead(text.subarray(0, n), scanned, limits);
      expect(scan.t).toBe("partial");
      if (scan.t === "partial") {
        expect(scan.scanned).toBeGreaterThanOrEqual(scanned);
        scanned = scan.scanned;
      }
    }
    expect(scanHead(text, scanned, limits)).toEqual({ t: "complete", start: 0, end: text.length });
  });

  test("a bare-LF request is refused before any empty line arrives", () => {
    expect(refusal("GET / HTTP/1.1\nHost: x\n\n")).toMatchObject({ status: 400, code: "bad_request", message: expect.stringContaining("bare LF") });
    expect(scanHead(Buffer.from("GET / HTTP/1.1\n"), 0, limits)).toMatchObject({ t: "refuse" });
  });

  test("binary garbage is refused at once, without a line end", () => {
    const garbage = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]); // a TLS ClientHello's start
    expect(scanHead(garbage, 0, limits)).toMatchObject({ t: "refuse", refusal: { status: 400, message: expect.stringContaining("control byte 0x16") } });
    expect(scanHead(Buffer.from("\xff\xfe{{{{", "latin1"), 0, limits)).toMatchObject({ t: "refuse", refusal: { status: 400 } });
  });

  test("a request line that cannot be one is refused as soon as it ends", () => {
    expect(scanHead(Buffer.from("hello there\r\n"), 0, limits)).toMatchObject({ t: "refuse", refusal: { status: 400 } });
  });

  test("a head beyond maxHeaderBytes is 431, whole or still arriving", () => {
    const big = `GET / HTTP/1.1\r\nX-Big: ${"a".repeat(70_000)}\r\n`;
    expect(scanHead(Buffer.from(big), 0, limits)).toMatchObject({ t: "refuse", refusal: { status: 431, code: "headers_too_large" } });
    expect(scanHead(Buffer.from(`${big}\r\n`), 0, limits)).toMatchObject({ t: "refuse", refusal: { status: 431 } });
  });

  test("a CR at the end of what has come waits for the next byte", () => {
    expect(scanHead(Buffer.from("GET / HTTP/1.1\r"), 0, limits)).toEqual({ t: "partial", scanned: 14 });
    expect(scanHead(Buffer.from("GET / HTTP/1.1\rX"), 0, limits)).toMatchObject({ t: "refuse" });
  });
});

describe("parseHead", () => {
  test("reads the request line and the fields, lowercasing names and trimming values", () => {
    expect(head("POST /v1/jobs?wait=5 HTTP/1.1\r\nHost: gaia\r\nContent-Type:  application/json \t\r\nContent-Length: 30\r\n\r\n")).toEqual({
      method: "POST", target: "/v1/jobs?wait=5", version: "1.1",
      headers: [["host", "gaia"], ["content-type", "application/json"], ["content-length", "30"]],
      host: "gaia", contentLength: "30", transferEncoding: null, connection: null, expect: null, upgrade: null,
    });
  });

  test("HTTP/1.0 without headers", () => {
    expect(head("GET /health HTTP/1.0\r\n\r\n")).toMatchObject({ method: "GET", version: "1.0", host: null, headers: [] });
  });

  test("unknown and lowercase methods parse (plan.ts answers them 405)", () => {
    expect(head("FOO / HTTP/1.1\r\n\r\n").method).toBe("FOO");
    expect(head("get / HTTP/1.1\r\n\r\n").method).toBe("get");
  });

  test("repeated framing fields are joined; a second Host is refused", () => {
    expect(head("GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: Upgrade\r\n\r\n").connection).toBe("keep-alive, Upgrade");
    expect(refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")).toMatchObject({ status: 400, message: expect.stringContaining("Host") });
  });

  test.each([
    ["a space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", "not a header name"],
    ["a folded line", "GET / HTTP/1.1\r\nX-A: 1\r\n  2\r\n\r\n", "folding"],
    ["a line without a colon", "GET / HTTP/1.1\r\nnonsense\r\n\r\n", "no 'name:'"],
    ["HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", "use HTTP/1.1"],
    ["no version", "GET /\r\n\r\n", "METHOD /path HTTP/1.1"],
    ["two spaces", "GET  / HTTP/1.1\r\n\r\n", "METHOD /path HTTP/1.1"],
    ["a relative target", "GET index.html HTTP/1.1\r\n\r\n", "neither a path"],
    ["a NUL in a value", "GET / HTTP/1.1\r\nX-A: a\x00b\r\n\r\n", "control byte 0x00"],
    ["a bare CR inside a value", "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", "CR that is not followed by LF"],
  ])("%s is a 400", (_what, text, mentions) => {
    expect(refusal(text)).toMatchObject({ status: 400, code: "bad_request", close: true, message: expect.stringContaining(mentions) });
  });

  test("absolute-form and asterisk-form targets", () => {
    expect(head("GET http://gaia/v1/status HTTP/1.1\r\n\r\n").target).toBe("http://gaia/v1/status");
    expect(head("OPTIONS * HTTP/1.1\r\n\r\n").target).toBe("*");
  });

  test("more than maxHeaderCount fields is 431", () => {
    const fields = Array.from({ length: 201 }, (_, i) => `X-${i}: ${i}\r\n`).join("");
    expect(refusal(`GET / HTTP/1.1\r\n${fields}\r\n`)).toMatchObject({ status: 431, code: "headers_too_large" });
  });

  test("bytes above 0x7f in values pass through as latin1 characters", () => {
    expect(head("GET / HTTP/1.1\r\nX-Name: caf\xe9\r\n\r\n").headers).toEqual([["x-name", "caf\xe9"]]);
  });
});
