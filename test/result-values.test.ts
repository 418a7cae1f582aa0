/**
 * What a task hands back must not break the engine: an integer JSON cannot store fails only
 * its job (once crashed the IO engine in a loop), and a progress value that is not a finite
 * number is dropped (once cost the worker its connection and the job its result).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { resolve } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { Gaia } from "./helpers/gaia.ts";

let gaia: Gaia;
beforeAll(async () => {
  gaia = await Gaia.start({
    config: {
      pools: [
        { name: "default", size: 1, modules: [resolve(import.meta.dir, "fixtures/tasks.ts")] },
        { name: "py", runtime: "python", python: VENV_PYTHON, size: 1, modules: [resolve(import.meta.dir, "fixtures/py_tasks.py")] },
      ],
    },
  });
});
afterAll(async () => gaia?.stop());

for (const task of ["test.huge", "py.huge"]) {
  test(`${task}: an integer beyond what JSON stores fails its job with ResultError; the engine serves on`, async () => {
    const ioPid = (await gaia.request("GET", "/v1/status")).body.io.pid;
    const done = (await gaia.request("POST", "/v1/jobs?wait=10", { task })).body;
    expect(done).toMatchObject({ state: "failed", attempts: 1, error: { type: "ResultError" } });
    expect((await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: 1 })).body.result).toBe(1);
    expect((await gaia.request("GET", "/v1/status")).body.io.pid).toBe(ioPid);
  });
}

test("a Bun task returning a Set fails with ResultError instead of storing {}", async () => {
  const done = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "test.set" })).body;
  expect(done).toMatchObject({ state: "failed", error: { type: "ResultError" } });
  expect(done.error.message).toContain("Set");
});

for (const task of ["test.nan_progress", "py.nan_progress"]) {
  test(`${task}: a NaN progress is dropped; the job succeeds on its first attempt`, async () => {
    const done = (await gaia.request("POST", "/v1/jobs?wait=10", { task })).body;
    expect(done).toMatchObject({ state: "succeeded", attempts: 1, result: "done", progress: { fraction: 0.25, message: "shown" } });
  });
}
