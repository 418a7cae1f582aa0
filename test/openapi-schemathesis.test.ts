/**
 * The control API against its own description (SPEC §7): schemathesis reads the running
 * binary's /openapi.json over the TCP listener (with the token) and sends what the schemas
 * allow and what they forbid. What this file proves: no answer is a 5xx, every answer's status
 * is one the document lists for its operation, and every JSON answer fits its schema.
 *
 * So that the requests reach more than 404s, the run has things to find: a finished job, an
 * array, a schedule, a pipeline defined through the API and a running session, whose names
 * are given to the operations that take them (schemathesis.toml, written beside the run).
 * Left out: the streams that never end on their own (GET /v1/events, a session's output, its
 * WebSocket) and POST /v1/shutdown. Bounded by --max-examples; the seed is fixed so that a
 * failure is reproduced by running this file again (GAIA_SCHEMATHESIS_SEED picks another,
 * GAIA_SCHEMATHESIS_EXAMPLES how many cases per operation and phase: 10 by default).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Gaia } from "./helpers/gaia.ts";
import { ensureSchemathesis, SCHEMATHESIS } from "./helpers/schemathesis.ts";
import { freePort } from "./helpers/ports.ts";

const TS_NODES = resolve(import.meta.dir, "fixtures/pipeline_nodes.ts");
const NODE = { id: "a", runtime: "bun", module: TS_NODES, node: "t.add", config: { k: 1 } };
const EXCLUDED = ["streamEvents", "streamSessionOutput", "streamSession", "shutdown"];
const CHECKS = ["not_a_server_error", "status_code_conformance", "response_schema_conformance", "content_type_conformance"];

let gaia: Gaia;
let base: string;
let token: string;

beforeAll(async () => {
  ensureSchemathesis();
  const port = freePort();
  gaia = await Gaia.start({
    config: {
      control: { listen: `127.0.0.1:${port}` },
      // Uploads schemathesis makes up stay small; past this they are 507, which is documented.
      arrays: { max_bytes: "16MiB" },
      pools: [{ name: "default", size: 1 }],
      pipelines: [{ name: "one", nodes: [NODE] }],
    },
  });
  base = `http://127.0.0.1:${port}`;
  token = readFileSync(join(gaia.dir, ".gaia/run/token"), "utf8").trim();
}, 600_000);

afterAll(async () => gaia?.stop());

/** The things the run starts with, named per operation in schemathesis's config. */
async function seed(): Promise<string> {
  const ok = async (method: string, path: string, body?: unknown) => {
    const reply = await gaia.request(method, path, body);
    if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  };
  const job = await ok("POST", "/v1/jobs?wait=10", { task: "echo", payload: { hello: "world" } });
  const array = await ok("POST", "/v1/arrays", { dtype: "float32", shape: [4] });
  await ok("PUT", "/v1/schedules/nightly", { task: "echo", every_s: 3600 });
  await ok("PUT", "/v1/pipelines/p1", { nodes: [NODE] });
  const session = await ok("POST", "/v1/sessions", { pipeline: "one" });
  await gaia.until("the session ready", async () => (await gaia.request("GET", `/v1/sessions/${session.id}`)).body.state === "ready", 30_000);
  const given: [string[], Record<string, string | number>][] = [
    // A submission runs echo (the builtin task), and waits at most a second for it.
    [["submitJob"], { "body.task": "echo", wait: 1 }],
    [["getJob"], { id: job.id, wait: 1 }],
    [["getJobLogs", "cancelJob"], { id: job.id }],
    [["getWorkerLogs"], { id: "default-0" }],
    [["getArray", "deleteArray"], { name: array.name }],
    [["getSchedule", "putSchedule", "deleteSchedule", "runSchedule", "pauseSchedule", "resumeSchedule"], { name: "nightly" }],
    [["getPipeline", "putPipeline", "deletePipeline"], { name: "p1" }],
    [["getSession", "stopSession"], { id: session.id }],
    [["sendSessionInput"], { id: session.id, port: "a.in" }],
  ];
  const toml = given.flatMap(([ids, parameters]) => ids.map((id) => `[[operations]]\ninclude-operation-id = ${JSON.stringify(id)}\nparameters = { ${Object.entries(parameters).map(([k, v]) => `${JSON.stringify(k)} = ${JSON.stringify(v)}`).join(", ")} }\n`));
  // 503 (not ready: a worker schemathesis restarted is coming back) and 507 (arrays.max_bytes)
  // are refusals the document lists; a 500 or any other 5xx is still a failure, and
  // status_code_conformance holds these two to the operations that list them.
  const checks = `[checks.not_a_server_error]\nexpected-statuses = ["1xx", "2xx", "3xx", "4xx", "503", "507"]\n`;
  const file = join(gaia.dir, "schemathesis.toml");
  writeFileSync(file, [checks, ...toml].join("\n"));
  return file;
}

test("schemathesis finds no 5xx, no undocumented status and no answer outside its schema", async () => {
  const config = await seed();
  const cmd = [
    SCHEMATHESIS, "--config-file", config, "run", `${base}/openapi.json`,
    "--header", `Authorization: Bearer ${token}`,
    "--checks", CHECKS.join(","),
    ...EXCLUDED.flatMap((id) => ["--exclude-operation-id", id]),
    "--phases", "examples,coverage,fuzzing",
    "--max-examples", process.env.GAIA_SCHEMATHESIS_EXAMPLES ?? "10",
    "--request-timeout", "20",
    "--suppress-health-check", "all",
    "--seed", process.env.GAIA_SCHEMATHESIS_SEED ?? "1",
    "--workers", "1",
  ];
  const proc = Bun.spawn(cmd, { cwd: gaia.dir, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", SCHEMATHESIS_TELEMETRY: "false" }, timeout: 540_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const summary = stdout.slice(stdout.lastIndexOf("\n", stdout.lastIndexOf(" SUMMARY ")) + 1);
  if (code !== 0) console.log(`${stdout}\n${stderr}\n--- gaia ---\n${gaia.output.slice(-4000)}`);
  else console.log(summary);
  expect({ code, failures: /\d+ failures?\b/.exec(summary)?.[0] ?? null }).toEqual({ code: 0, failures: null });
  // gaia still serves after all of it, and said nothing of an internal error.
  expect((await gaia.request("GET", "/ready")).status).toBe(200);
  expect(gaia.output).not.toContain("internal error");
}, 600_000);
