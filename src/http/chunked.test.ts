import { describe, expect, test } from "bun:test";
import { ChunkedDecoder } from "./chunked.ts";

/** Feeds `wire` in pieces of `step` bytes; the body, whether it ended, and the bytes left over. */
function decode(wire: string, step = wire.length) {
  const decoder = new ChunkedDecoder();
  const buf = Buffer.from(wire, "latin1");
  let body = "";
  for (let at = 0; at < buf.length; at += step) {
    const piece = buf.subarray(at, Math.min(buf.length, at + step));
    const out = decoder.push(piece, 0);
    if ("status" in out) return { refusal: out };
    body += out.chunks.map((c) => Buffer.from(c).toString("latin1")).join("");
    if (out.done) return { body, done: true, rest: piece.subarray(out.consumed).toString("latin1") + buf.subarray(at + step).toString("latin1") };
  }
  return { body, done: false };
}

describe("ChunkedDecoder", () => {
  const wire = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";

  test.each([1, 2, 3, 7, 1000])("decodes the same body in pieces of %d bytes, and leaves the next request's bytes", (step) => {
    expect(decode(wire, step)).toEqual({ body: "hello, world", done: true, rest: "NEXT" });
  });

  test("upper-case hex, leading zeros and blanks before an extension", () => {
    expect(decode("00A \t;name\r\n0123456789\r\n0\r\n\r\n")).toMatchObject({ body: "0123456789", done: true });
  });

  test("an unfinished body is not done", () => {
    expect(decode("5\r\nhel")).toEqual({ body: "hel", done: false });
  });

  test.each([
    ["a size that is not hex", "zz\r\nhello\r\n0\r\n\r\n", "not a chunk size"],
    ["a negative size", "-5\r\nhello\r\n0\r\n\r\n", "not a chunk size"],
    ["data longer than its size", "3\r\nhello\r\n0\r\n\r\n", "longer than its chunk size"],
    ["a bare LF after the size", "5\nhello\r\n0\r\n\r\n", "bare LF"],
    ["a size beyond 2^53", "fffffffffffffffff\r\n", "too large"],
    ["an empty size line", "\r\nhello\r\n", "not a chunk size"],
  ])("%s is a 400", (_what, bad, mentions) => {
    expect(decode(bad).refusal).toMatchObject({ status: 400, close: true, message: expect.stringContaining(mentions) });
    expect(decode(bad, 1).refusal).toMatchObject({ status: 400 });
  });

  test("endless trailers are refused", () => {
    const trailers = "X-T: aaaaaaaa\r\n".repeat(5000);
    expect(decode(`0\r\n${trailers}\r\n`, 4096).refusal).toMatchObject({ status: 431 });
  });
});
