import { expect, test } from "bun:test";
import { ServerRequest } from "./request.ts";

const make = () => new ServerRequest("http://gaia/v1/jobs", { method: "POST", body: "{}" });

test("the signal is made on first use and aborts when the client goes away", () => {
  const req = make();
  const signal = req.signal;
  expect(signal.aborted).toBe(false);
  expect(req.signal).toBe(signal);
  req.clientGone(new Error("the client closed the connection"));
  expect(signal.aborted).toBe(true);
  expect((signal.reason as Error).message).toBe("the client closed the connection");
});

test("a signal first asked for after the client left is born aborted", () => {
  const req = make();
  req.clientGone(new Error("gone"));
  expect(req.signal.aborted).toBe(true);
});

test("a copy made with new Request(req, init), as Hono's bodyLimit makes, aborts with it", async () => {
  const req = make();
  const copy = new Request(req, { body: new Uint8Array([1]) });
  req.clientGone(new Error("gone"));
  expect(copy.signal.aborted).toBe(true);
  expect(req instanceof Request).toBe(true);
  expect(await copy.text()).toBe("\u0001");
});
