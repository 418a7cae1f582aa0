/**
 * What a job printed, kept with the job (SPEC §4, `GET /v1/jobs/ID/logs`): per attempt, with
 * each line's level, in both runtimes; Python's `logging` keeps its level; every line a
 * worker printed during a job carries the job id in gaia's own log (text and JSON).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { Gaia } from "./helpers/gaia.ts";

const pools = [
  { name: "default", size: 1, modules: [resolve(import.meta.dir, "fixtures/tasks.ts")] },
  { name: "py", runtime: "python", python: VENV_PYTHON, size: 1, modules: [resolve(import.meta.dir, "fixtures/py_tasks.py")] },
];
const retrying = { retries: { max: 2, on: ["error"], backoff_s: 0 } };

describe.each([["text", {}], ["json", { GAIA_LOG_FORMAT: "json" }]] as const)("with %s logs", (format, env) => {
  let gaia: Gaia;
  beforeAll(async () => {
    gaia = await Gaia.start({ config: { pools }, env });
  });
  afterAll(async () => gaia?.stop());

  test.each([["test.log_lines", ["info", "warn", "info"]], ["py.log_levels", ["info", "info", "warn"]]] as const)("%s: each attempt's lines, with their levels, and the job id in gaia's log", async (task, levels) => {
    const job = (await gaia.request("POST", "/v1/jobs?wait=20", { task, payload: { fail_until: 2 }, ...retrying })).body;
    expect(job).toMatchObject({ state: "succeeded", attempts: 2 });
    const logs = (await gaia.request("GET", `/v1/jobs/${job.id}/logs`)).body;
    expect(logs.job_id).toBe(job.id);
    expect(logs.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2]);
    for (const [i, attempt] of logs.attempts.entries()) {
      expect(attempt.lines.map((l: { level: string }) => l.level)).toEqual(levels);
      expect(attempt.lines[0].line).toBe(`printed on attempt ${i + 1}`);
    }
    await gaia.until("the job's lines in gaia's log, tagged with its id", async () =>
      format === "json"
        ? gaia.output.split("\n").some((l) => l.startsWith("{") && JSON.parse(l).job_id === job.id && JSON.parse(l).message === "printed on attempt 2")
        : gaia.output.includes(`[job ${job.id}] printed on attempt 2`));
  });

  test("a job that printed nothing has an empty log; an unknown job is 404", async () => {
    const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: 1 })).body;
    expect((await gaia.request("GET", `/v1/jobs/${job.id}/logs`)).body).toEqual({ job_id: job.id, attempts: [] });
    expect((await gaia.request("GET", "/v1/jobs/nope/logs")).status).toBe(404);
  });
});
