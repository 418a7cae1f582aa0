/**
 * Hostile clients of the control API (SPEC §7): malformed and mistyped bodies, absurd numbers,
 * deep nesting, bodies at the size limit, oversized and empty batches, unknown routes, bad
 * query parameters and path-traversal-looking ids. What this file proves: every refusal is a
 * 4xx whose body is exactly {error: {code, message}}, nothing refused is journaled, the
 * supervisor never answers a client's mistake with a 500, and after each attack gaia still runs
 * jobs. Two real gaias on real Unix sockets: one with the default body limit, one with 0.05 MiB.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Gaia, type Reply } from "./helpers/gaia.ts";

let gaia: Gaia;
let small: Gaia; // control.max_body_mb = 0.05
const LIMIT = Math.round(0.05 * 1024 * 1024); // 52,429 bytes, as startApi rounds it

beforeAll(async () => {
  [gaia, small] = await Promise.all([
    Gaia.start({ config: { pools: [{ name: "default", size: 2 }] } }),
    Gaia.start({ config: { control: { max_body_mb: 0.05 }, pools: [{ name: "default", size: 1 }] } }),
  ]);
});
afterAll(async () => Promise.all([gaia?.stop(), small?.stop()]));

/** A refusal: this status, and a body of exactly {error: {code, message}}; `what` labels the diff. */
function expectError(what: string, reply: Reply, status: number, code?: string, mentions?: string): void {
  expect({ what, status: reply.status, body: reply.body }).toEqual({
    what,
    status,
    body: { error: { code: code ?? expect.any(String), message: expect.any(String) } },
  });
  if (mentions) expect(reply.body.error.message).toContain(mentions);
}

async function stillServes(g: Gaia = gaia, payload: unknown = { ok: 1 }): Promise<void> {
  const reply = await g.request("POST", "/v1/jobs?wait=10", { task: "echo", payload });
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ state: "succeeded", result: payload });
}

const jobTotal = async () =>
  Object.values((await gaia.request("GET", "/v1/status")).body.jobs as Record<string, number>).reduce((a, b) => a + b, 0);

test("malformed JSON bodies are 400 bad_json", async () => {
  for (const body of ["{", "{task: 'echo'}", "", "\u0000\u0001", '{"task":"echo"} trailing', '{"task":"echo",}']) {
    expectError(`body ${JSON.stringify(body)}`, await gaia.request("POST", "/v1/jobs", body), 400, "bad_json");
    expectError(`batch ${JSON.stringify(body)}`, await gaia.request("POST", "/v1/jobs/batch", body), 400, "bad_json");
  }
  await stillServes();
});

test("JSON that is not an object (array, string, null, number, boolean) is 400", async () => {
  for (const body of ['[{"task":"echo"}]', "[]", '"echo"', "null", "42", "true"]) {
    expectError(`body ${body}`, await gaia.request("POST", "/v1/jobs", body), 400, "invalid_request");
    expectError(`batch ${body}`, await gaia.request("POST", "/v1/jobs/batch", body), 400, "invalid_request");
  }
  await stillServes();
});

const wrongTypes: [string, unknown[]][] = [
  ["task", [123, null, "", "x".repeat(201), ["echo"], { name: "echo" }, undefined]],
  ["timeout_s", ["10", true, null, [10], { s: 10 }]],
  ["retries.max", ["3", 1.5, -1, 1001, null, true]],
  ["session_id", [5, "", null, ["a"], "s".repeat(201)]],
  ["idempotency_key", [7, "", false]],
  ["arrays", ["x", [1], { a: 5 }]],
];
test.each(wrongTypes)("a wrong type for %s is a 400 that names the field", async (field, values) => {
  for (const value of values) {
    const body: Record<string, unknown> = { task: "echo" };
    if (field === "retries.max") body.retries = { max: value };
    else body[field] = value;
    expectError(`${field} = ${JSON.stringify(value)}`, await gaia.request("POST", "/v1/jobs", body), 400, "invalid_request", field);
  }
  await stillServes();
});

test("unknown fields are 400, including a typo, a nested one and a literal __proto__ key", async () => {
  const bodies = ['{"task":"echo","paylod":1}', '{"task":"echo","retries":{"maximum":2}}', '{"task":"echo","__proto__":{"x":1}}'];
  for (const body of bodies) expectError(body, await gaia.request("POST", "/v1/jobs", body), 400, "invalid_request", "unknown field");
  await stillServes();
});

test("huge, negative and zero numbers for timeout_s and retries are 400; extreme payload numbers round-trip", async () => {
  for (const raw of ["1e308", "-1", "0", "-0", "1e400", "604801", "-1e400"]) {
    expectError(`timeout_s ${raw}`, await gaia.request("POST", "/v1/jobs", `{"task":"echo","timeout_s":${raw}}`), 400, "invalid_request", "timeout_s");
  }
  for (const raw of ['{"max":1e308}', '{"backoff_s":1e308}', '{"factor":0}', '{"max_backoff_s":-1}']) {
    expectError(`retries ${raw}`, await gaia.request("POST", "/v1/jobs", `{"task":"echo","retries":${raw}}`), 400, "invalid_request", "retries");
  }
  await stillServes(gaia, { max: 1e308, min: -1e308, tiny: 5e-324, big: 18446744073709551616, neg: -5_000_000_000 });
});

test("a payload nested 10,000 deep is refused (the limit is 256 levels); 200 levels run whole", async () => {
  const deep = await gaia.request("POST", "/v1/jobs?wait=10", `{"task":"echo","payload":${"[".repeat(10_000)}1${"]".repeat(10_000)}}`);
  expectError("depth 10,000", deep, 400, "invalid_request", "nested deeper than 256");
  const fine = `${"[".repeat(200)}1${"]".repeat(200)}`;
  const reply = await gaia.request("POST", "/v1/jobs?wait=10", `{"task":"echo","payload":${fine}}`);
  expect(JSON.stringify(reply.body.result)).toBe(fine);
  await stillServes();
});

test("a payload nested 100,000 deep is refused as the client's fault (4xx), never a 500", async () => {
  const depth = 100_000;
  const reply = await gaia.request("POST", "/v1/jobs?wait=10", `{"task":"echo","payload":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`);
  await stillServes();
  expectError("depth 100,000", reply, 400, "invalid_request", "nested deeper than");
});

// cbor-x renames a `__proto__` key when decoding (a guard against prototype pollution), so
// gaia refuses such a payload rather than hand the task something other than was sent.
test("a payload key named __proto__ is refused with 400, not silently renamed", async () => {
  const reply = await gaia.request("POST", "/v1/jobs?wait=10", '{"task":"echo","payload":{"x":[{"__proto__":{"a":1}}],"b":2}}');
  expectError("__proto__ key", reply, 400, "invalid_request", "__proto__");
});

/** A submit body of exactly `size` bytes. */
const bodyOf = (size: number) => {
  const head = '{"task":"echo","payload":"';
  return head + "x".repeat(size - head.length - 2) + '"}';
};

test("max_body_mb 0.05: a body just under or at the limit runs, one byte over is 413 in the error shape", async () => {
  for (const size of [LIMIT - 1, LIMIT]) {
    const reply = await small.request("POST", "/v1/jobs?wait=10", bodyOf(size));
    expect({ size, status: reply.status, state: reply.body.state }).toEqual({ size, status: 200, state: "succeeded" });
  }
  expectError("limit + 1", await small.request("POST", "/v1/jobs", bodyOf(LIMIT + 1)), 413, "too_large");
  const chunks = new ReadableStream({
    start(c) {
      for (let i = 0; i < 60; i++) c.enqueue(new TextEncoder().encode("x".repeat(1024)));
      c.close();
    },
  });
  const streamed = await fetch("http://gaia/v1/jobs", { method: "POST", body: chunks, unix: small.socket } as RequestInit);
  const text = await streamed.text();
  expectError("a chunked body without Content-Length", { status: streamed.status, body: JSON.parse(text || "null"), headers: streamed.headers }, 413, "too_large");
  await stillServes(small);
});

test("max_body_mb 0.05: a body far over the limit (2 MiB) is still 413 in the error shape", async () => {
  const reply = await small.request("POST", "/v1/jobs", bodyOf(2 * 1024 * 1024));
  await stillServes(small);
  expectError("2 MiB body", reply, 413, "too_large");
});

test("batches with 0 jobs, 10,001 jobs or non-array jobs are 400, and accept nothing", async () => {
  const before = await jobTotal();
  const bodies: [string, unknown][] = [
    ["0 jobs", { jobs: [] }],
    ["10,001 jobs", { jobs: Array.from({ length: 10_001 }, () => ({ task: "echo" })) }],
    ["jobs a string", { jobs: "echo" }],
    ["jobs an object", { jobs: { task: "echo" } }],
    ["jobs null", { jobs: null }],
    ["no jobs field", {}],
    ["one bad job among good", { jobs: [{ task: "echo" }, { task: 5 }, { task: "echo" }] }],
    ["an unknown task among good", { jobs: [{ task: "echo" }, { task: "no.such.task" }] }],
  ];
  for (const [what, body] of bodies) expectError(what, await gaia.request("POST", "/v1/jobs/batch", body), 400);
  expect(await jobTotal()).toBe(before);
  await stillServes();
});

test("unknown routes and wrong methods are 404 in the error shape", async () => {
  const routes = [["GET", "/nope"], ["PUT", "/v1/jobs"], ["PATCH", "/v1/jobs/x"], ["DELETE", "/v1/jobs"], ["POST", "/health"], ["OPTIONS", "/v1/jobs"], ["GET", "/v2/jobs"], ["POST", "/v1/jobs/x"]];
  for (const [method, path] of routes) expectError(`${method} ${path}`, await gaia.request(method!, path!, method === "GET" ? undefined : "{}"), 404, "not_found");
  await stillServes();
});

test("GET /v1/jobs with a bad limit, state or unknown parameter is 400", async () => {
  for (const query of ["limit=0", "limit=-1", "limit=abc", "limit=", "limit=1.5", "limit=1001", "limit=1e400", "state=bogus", "state=QUEUED", "foo=1"]) {
    expectError(query, await gaia.request("GET", `/v1/jobs?${query}`), 400, "invalid_request");
  }
  expect((await gaia.request("GET", "/v1/jobs?limit=1000&state=succeeded")).status).toBe(200);
  await stillServes();
});

test("?wait=-1, wait=abc and other bad waits are 400 on GET and on POST", async () => {
  const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: 1 })).body;
  for (const wait of ["-1", "abc", "Infinity", "NaN", "3601", "1e9"]) {
    expectError(`GET wait=${wait}`, await gaia.request("GET", `/v1/jobs/${job.id}?wait=${wait}`), 400, "invalid_request", "wait");
    expectError(`POST wait=${wait}`, await gaia.request("POST", `/v1/jobs?wait=${wait}`, { task: "echo" }), 400, "invalid_request", "wait");
  }
  await stillServes();
});

test("DELETE of an unknown id is 404; of a finished job 409", async () => {
  expectError("unknown id", await gaia.request("DELETE", `/v1/jobs/${Bun.randomUUIDv7()}`), 404, "not_found");
  const done = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: 2 })).body;
  expectError("finished job", await gaia.request("DELETE", `/v1/jobs/${done.id}`), 409, "already_terminal");
  await stillServes();
});

test("path-traversal-looking and odd ids are plain unknown ids (404), on jobs and workers", async () => {
  // (A bare "%2e%2e" segment is not here: fetch itself resolves it as "..", per the URL standard.)
  const ids = ["..%2F..%2Fetc", "..%2F..%2F..%2Fetc%2Fpasswd", "..%5C..%5Cetc", "%00", "%ZZ", "x'%20OR%20'1'%3D'1", "a".repeat(5000)];
  for (const id of ids) {
    expectError(`GET ${id.slice(0, 30)}`, await gaia.request("GET", `/v1/jobs/${id}`), 404, "not_found");
    expectError(`DELETE ${id.slice(0, 30)}`, await gaia.request("DELETE", `/v1/jobs/${id}`), 404, "not_found");
    expectError(`logs ${id.slice(0, 30)}`, await gaia.request("GET", `/v1/workers/${id}/logs`), 404, "not_found");
    expectError(`restart ${id.slice(0, 30)}`, await gaia.request("POST", `/v1/workers/${id}/restart`), 404, "not_found");
  }
  await stillServes();
});

test("after every attack /health and /ready are 200 and nothing logged an internal error", async () => {
  for (const g of [gaia, small]) {
    expect(g.proc.exitCode).toBeNull();
    expect((await g.request("GET", "/health")).status).toBe(200);
    expect((await g.request("GET", "/ready")).status).toBe(200);
    expect(g.output).not.toContain("internal error");
  }
});
