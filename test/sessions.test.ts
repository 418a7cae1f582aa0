/**
 * Sessions (SPEC §4): jobs with a session_id run on the worker that holds the session while
 * it lives; after that worker dies the next job starts a fresh session with session_reset.
 * The same for Bun and Python workers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { Gaia } from "./helpers/gaia.ts";

let gaia: Gaia;
beforeAll(async () => {
  gaia = await Gaia.start({
    config: {
      pools: [
        { name: "default", size: 2, modules: [resolve(import.meta.dir, "fixtures/tasks.ts")] },
        { name: "py", runtime: "python", python: VENV_PYTHON, size: 2, modules: [resolve(import.meta.dir, "fixtures/py_tasks.py")] },
      ],
    },
  });
});
afterAll(async () => gaia?.stop());

const run = async (task: string, session_id: string) =>
  (await gaia.request("POST", "/v1/jobs?wait=20", { task, session_id })).body.result as { n: number; reset: boolean; pid: number };

for (const [runtime, task] of [["Bun", "test.session"], ["Python", "py.session"]] as const) {
  describe(`${runtime} workers`, () => {
    test("a session's jobs run on one worker and see its state; another session has its own", async () => {
      const first = await run(task, `${task}-a`);
      expect(first).toMatchObject({ n: 1, reset: false });
      for (let n = 2; n <= 6; n++) expect(await run(task, `${task}-a`)).toEqual({ n, reset: false, pid: first.pid });
      expect(await run(task, `${task}-b`)).toMatchObject({ n: 1, reset: false });
    });

    test("a batch of one session's jobs runs in order on its worker", async () => {
      const held = await run(task, `${task}-c`);
      const batch = await gaia.request("POST", "/v1/jobs/batch", { jobs: Array.from({ length: 20 }, () => ({ task, session_id: `${task}-c` })) });
      const results = [];
      for (const id of batch.body.ids) results.push((await gaia.request("GET", `/v1/jobs/${id}?wait=20`)).body.result);
      expect(results.map((r) => r.n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
      expect(new Set(results.map((r) => r.pid))).toEqual(new Set([held.pid]));
    });

    test("after the session's worker dies, the next job starts afresh with session_reset", async () => {
      const held = await run(task, `${task}-d`);
      await run(task, `${task}-d`);
      process.kill(held.pid, "SIGKILL");
      const after = await gaia.until("a job on a live worker", async () => {
        const r = await run(task, `${task}-d`).catch(() => undefined);
        return r && r.pid !== held.pid ? r : undefined;
      });
      expect(after).toMatchObject({ n: 1, reset: true });
      expect(await run(task, `${task}-d`)).toMatchObject({ n: 2, reset: false, pid: after.pid });
    });
  });
}
