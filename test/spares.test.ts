/**
 * Spares (SPEC §1): a pool with `spares = 1` keeps one more worker started and ready that
 * takes no jobs. When a worker dies, the spare takes its place at once (same worker id, the
 * spare's pid) and a new spare is started behind it. Both runtimes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { Gaia } from "./helpers/gaia.ts";
import { SseStream } from "./helpers/sse.ts";

let gaia: Gaia;
beforeAll(async () => {
  gaia = await Gaia.start({
    config: {
      pools: [
        { name: "default", size: 1, spares: 1, modules: [resolve(import.meta.dir, "fixtures/tasks.ts")] },
        { name: "py", runtime: "python", python: VENV_PYTHON, size: 1, spares: 1, modules: [resolve(import.meta.dir, "fixtures/py_tasks.py")] },
      ],
    },
  });
});
afterAll(async () => gaia?.stop());

const byId = async (id: string) => (await gaia.workers()).find((w) => w.id === id);

describe.each([["default-0", "default-s0", "test.pid"], ["py-0", "py-s0", "py.pid"]])("%s with its spare %s", (worker, spareId, task) => {
  test("a spare is ready, marked, and takes no job", async () => {
    const spare = await gaia.until("the spare to be ready", async () => (await byId(spareId))?.state === "spare" && byId(spareId));
    expect(spare).toMatchObject({ spare: true, job: null, jobs_done: 0 });
    for (let i = 0; i < 5; i++) expect((await gaia.request("POST", "/v1/jobs?wait=10", { task })).body.result).not.toBe(spare.pid);
  });

  test("kill -9 of the worker: the next job runs on the spare's pid, and a new spare appears", async () => {
    const spare = await gaia.until("the spare to be ready", async () => (await byId(spareId))?.state === "spare" && byId(spareId));
    const events = await SseStream.open(gaia.socket, "/v1/events");
    const old = (await byId(worker))!.pid;
    process.kill(old, "SIGKILL");
    const done = (await gaia.request("POST", "/v1/jobs?wait=10", { task })).body;
    expect(done).toMatchObject({ state: "succeeded", result: spare.pid, worker: { id: worker, pid: spare.pid } });
    const promoted = await events.until("process.promoted", (e) => e.event === "process.promoted" && e.data.data.process === worker);
    expect(promoted.data.data).toMatchObject({ pid: spare.pid, spare: spareId });
    const next = await gaia.until("a new spare", async () => {
      const s = await byId(spareId);
      return s?.state === "spare" && s.pid !== spare.pid && s;
    });
    expect(next.pid).not.toBe(old);
    expect(await byId(worker)).toMatchObject({ pid: spare.pid, state: "idle", spare: false, restarts: 1 });
    events.close();
  });
});
