import { expect, test } from "bun:test";
import { errorHead, httpDate, responseHead } from "./response-head.ts";

const date = "Tue, 01 Dec 2026 12:00:00 GMT";
const keep11 = { keepAlive: true, version: "1.1" as const };

test("a sized body: its length, the handler's headers, a date; the handler's framing fields are replaced", () => {
  const headers = new Headers({ "content-type": "application/json", "content-length": "999", connection: "keep-alive", "transfer-encoding": "gzip" });
  expect(responseHead(200, "", headers, { t: "length", bytes: 42 }, keep11, date)).toBe(
    `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ndate: ${date}\r\ncontent-length: 42\r\n\r\n`,
  );
});

test("chunked on 1.1, close-delimited on 1.0, and what each says about the connection", () => {
  const none = new Headers();
  expect(responseHead(200, "", none, { t: "chunked" }, keep11, date)).toContain("transfer-encoding: chunked\r\n");
  expect(responseHead(200, "", none, { t: "chunked" }, keep11, date)).not.toContain("connection");
  expect(responseHead(200, "", none, { t: "length", bytes: 0 }, { keepAlive: false, version: "1.1" }, date)).toContain("connection: close\r\n");
  expect(responseHead(200, "", none, { t: "length", bytes: 0 }, { keepAlive: true, version: "1.0" }, date)).toContain("connection: keep-alive\r\n");
  const closing = responseHead(200, "", none, { t: "close" }, { keepAlive: false, version: "1.0" }, date);
  expect(closing).not.toContain("content-length");
  expect(closing).not.toContain("connection");
});

test("a reason the handler gave is kept; a set date and each Set-Cookie are kept", () => {
  const headers = new Headers([["set-cookie", "a=1"], ["set-cookie", "b=2"], ["date", "yesterday"]]);
  const head = responseHead(299, "Fine", headers, { t: "none" }, keep11, date);
  expect(head.startsWith("HTTP/1.1 299 Fine\r\n")).toBe(true);
  expect(head).toContain("set-cookie: a=1\r\nset-cookie: b=2\r\n");
  expect(head).toContain("date: yesterday\r\n");
  expect(head).not.toContain(date);
});

test("the layer's own errors are JSON with a length", () => {
  expect(errorHead(405, 10, true, { allow: "GET" }, date)).toBe(
    `HTTP/1.1 405 Method Not Allowed\r\ncontent-type: application/json\r\ncontent-length: 10\r\ndate: ${date}\r\nallow: GET\r\n\r\n`,
  );
  expect(errorHead(400, 10, false, undefined, date)).toContain("connection: close\r\n\r\n");
});

test("httpDate is IMF-fixdate and changes once a second", () => {
  expect(httpDate(Date.UTC(2026, 11, 1, 12, 0, 0, 100))).toBe(date);
  expect(httpDate(Date.UTC(2026, 11, 1, 12, 0, 0, 900))).toBe(date);
  expect(httpDate(Date.UTC(2026, 11, 1, 12, 0, 1))).toBe("Tue, 01 Dec 2026 12:00:01 GMT");
});
