/**
 * SPEC §5: a job is in the journal before the API answers 202, so it survives `kill -9` of
 * every gaia process at once; after the next start, every job ever accepted reaches exactly
 * one terminal state.
 */
import { afterEach, expect, test } from "bun:test";
import { resolve } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { allGone, Gaia } from "./helpers/gaia.ts";

const started: Gaia[] = [];
afterEach(async () => {
  for (const g of started.splice(0)) await g.stop();
});

const config = {
  pools: [
    { name: "default", size: 2, modules: [resolve(import.meta.dir, "fixtures/tasks.ts")] },
    { name: "py", runtime: "python", python: VENV_PYTHON, size: 2, modules: [resolve(import.meta.dir, "fixtures/py_tasks.py")] },
  ],
};

test("kill -9 of every gaia process at once loses no accepted job", async () => {
  const first = await Gaia.start({ config });
  const accepted: string[] = [];
  for (let round = 0; round < 10; round++) {
    const jobs = Array.from({ length: 40 }, (_, i) =>
      i % 2 ? { task: "sleep", payload: { ms: 20 } } : { task: "py.sleep_then", payload: { ms: 20, value: i } },
    );
    const reply = await first.request("POST", "/v1/jobs/batch", { jobs });
    expect(reply.status).toBe(202);
    accepted.push(...reply.body.ids);
  }
  const pids = first.registryPids();
  for (const pid of pids) process.kill(pid, "SIGKILL"); // all at once, while jobs run
  expect(await allGone(pids)).toBe(true);

  const second = await Gaia.start({ dir: first.dir, config });
  started.push(second);
  const states = new Map<string, number>();
  for (const id of accepted) {
    const job = (await second.request("GET", `/v1/jobs/${id}?wait=60`)).body;
    expect(job.id).toBe(id);
    states.set(job.state, (states.get(job.state) ?? 0) + 1);
  }
  expect([...states.keys()].every((s) => ["succeeded", "failed"].includes(s))).toBe(true);
  expect([...states.values()].reduce((a, b) => a + b, 0)).toBe(accepted.length);
  const counts = (await second.request("GET", "/v1/status")).body.jobs;
  expect(counts).toMatchObject({ queued: 0, running: 0 });
});
