/**
 * GAIA_LOG_FORMAT=json: every line gaia writes is one JSON object with time, process, level
 * and message — the supervisor's own, the IO engine's, and the Bun and Python workers',
 * with a multi-line stack or traceback kept in one object, and the job's id on every line a
 * worker printed during a job.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { Gaia } from "./helpers/gaia.ts";

const bunTasks = resolve(import.meta.dir, "fixtures/tasks.ts");
const pyTasks = resolve(import.meta.dir, "fixtures/py_tasks.py");
let gaia: Gaia;

beforeAll(async () => {
  gaia = await Gaia.start({
    env: { GAIA_LOG_FORMAT: "json" },
    config: {
      pools: [
        { name: "default", size: 1, modules: [bunTasks] },
        { name: "py", runtime: "python", python: VENV_PYTHON, size: 1, modules: [pyTasks] },
      ],
    },
  });
});
afterAll(async () => gaia?.stop());

type Record_ = { time: string; process: string; level: string; message: string; job_id?: string };

function records(): Record_[] {
  return gaia.output.split("\n").filter((l) => l !== "").map((line) => {
    let parsed: Record_;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`not a JSON line: ${line}`);
    }
    const keys = Object.keys(parsed).filter((k) => k !== "job_id").sort();
    expect(keys).toEqual(["level", "message", "process", "time"]);
    expect(Number.isNaN(Date.parse(parsed.time))).toBe(false);
    return parsed;
  });
}

test("every process's lines are JSON objects, multi-line messages included", async () => {
  for (const [task, payload] of [["test.print", { line: "from bun" }], ["test.stack", null], ["py.print", { line: "from python" }], ["py.traceback", null]] as const) {
    expect((await gaia.request("POST", "/v1/jobs?wait=10", { task, payload })).body.state).toBe("succeeded");
  }
  // A frame whose length is over the cap: the IO engine drops the connection and logs why.
  const sock = await Bun.connect({ unix: join(gaia.dir, ".gaia/run/io.sock"), socket: { data() {} } });
  sock.write(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
  await gaia.until("all the lines", async () => {
    const all = records();
    return all.some((r) => r.process === "io") && all.some((r) => r.message.includes("ZeroDivisionError")) && all.some((r) => r.message.includes("two"));
  });
  sock.end();
  const all = records();
  expect(all.find((r) => r.process === "supervisor" && r.message.startsWith("gaia ") && r.message.includes("started"))).toMatchObject({ level: "info" });
  expect(all.find((r) => r.process === "io")?.message).toContain("dropping connection");
  expect(all.find((r) => r.process === "default-0" && r.message === "from bun")).toMatchObject({ level: "info", job_id: expect.any(String) });
  const stack = all.find((r) => r.process === "default-0" && r.message.includes("printed on purpose"))!;
  expect(stack).toMatchObject({ level: "error" });
  expect(stack.message).toMatch(/printed on purpose\n\s+at /);
  expect(all.find((r) => r.process === "py-0" && r.message === "from python")).toMatchObject({ level: "info" });
  const traceback = all.find((r) => r.process === "py-0" && r.message.startsWith("Traceback (most recent call last):"))!;
  expect(traceback).toMatchObject({ level: "error" });
  expect(traceback.message).toContain("py_tasks.py");
  expect(traceback.message.trimEnd().endsWith("ZeroDivisionError: division by zero")).toBe(true);
  expect(all.find((r) => r.process === "py-0" && r.message === "two\nlines")).toMatchObject({ level: "info" });
});

test("a start-up error under GAIA_LOG_FORMAT=json is a JSON line that names its process too", async () => {
  const bad = await Gaia.start({ waitReady: false, env: { GAIA_LOG_FORMAT: "json" }, config: { pools: [{ name: "x", size: "two" }] } });
  expect(await bad.proc.exited).toBe(2);
  const lines = bad.output.trim().split("\n");
  for (const line of lines) expect(JSON.parse(line)).toMatchObject({ process: "supervisor", level: "error", time: expect.any(String) });
  expect(JSON.parse(lines[0]!).message).toContain("config: pools[0].size");
  await bad.stop();
});
