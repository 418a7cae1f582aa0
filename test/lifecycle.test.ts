/**
 * Starting, stopping and surviving: graceful SIGTERM, jobs that outlive a restart, a second
 * gaia on the same run dir, and the death of the supervisor or the IO engine.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { allGone, BINARY, Gaia, isAlive } from "./helpers/gaia.ts";

const tasksModule = resolve(import.meta.dir, "fixtures/tasks.ts");
const started: Gaia[] = [];
async function start(options: Parameters<typeof Gaia.start>[0] = {}) {
  const gaia = await Gaia.start(options);
  started.push(gaia);
  return gaia;
}
afterEach(async () => {
  for (const gaia of started.splice(0)) await gaia.stop();
});

describe("lifecycle", () => {
  test("SIGTERM: exit 0 within the grace, no child left, queued jobs run at the next start", async () => {
    const config = { shutdown: { grace_s: 1 }, pools: [{ name: "default", size: 1, modules: [tasksModule] }] };
    const first = await Gaia.start({ config });
    const dir = first.dir;
    const running = await first.request("POST", "/v1/jobs", { task: "test.spin", payload: { ms: 4000 } });
    await first.untilRunning(running.body.id);
    const queued = await first.request("POST", "/v1/jobs/batch", { jobs: Array.from({ length: 5 }, (_, i) => ({ task: "echo", payload: i })) });
    const pids = first.registryPids();
    expect(pids.length).toBe(3); // supervisor, io, one worker
    const t0 = Date.now();
    expect(await first.terminate()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1000 + 2000 + 3000); // grace + kill delay + slack: a bound, not a benchmark
    expect(await allGone(pids)).toBe(true);
    expect(first.output).toContain("went back to the queue");

    const second = await start({ dir, config });
    const spun = await second.request("GET", `/v1/jobs/${running.body.id}?wait=20`);
    expect(spun.body).toMatchObject({ state: "succeeded", result: "spun", attempts: 1 }); // the interrupted attempt is not counted
    for (const [i, id] of queued.body.ids.entries()) {
      expect((await second.request("GET", `/v1/jobs/${id}?wait=20`)).body).toMatchObject({ state: "succeeded", result: i });
    }
  });

  test("SIGTERM while it starts (gaia.sock answers, not yet ready): a graceful stop, exit 0, nothing left", async () => {
    for (let round = 0; round < 3; round++) {
      const gaia = await start({ config: { pools: [{ name: "default", size: 2, modules: [tasksModule] }] }, waitReady: false });
      await gaia.until("/health answering", async () => (await gaia.request("GET", "/health").catch(() => null))?.status === 200, 20_000);
      const pids = gaia.registryPids();
      expect(await gaia.terminate()).toBe(0);
      expect(await allGone([...pids, ...gaia.registryPids()])).toBe(true);
      expect(gaia.output).toContain("SIGTERM: shutting down");
    }
  });

  test("a second gaia start on the same run dir is refused with exit code 2", async () => {
    const gaia = await start({ config: { pools: [{ name: "default", size: 1 }] } });
    const again = Bun.spawnSync([BINARY, "start", "--config", join(gaia.dir, "gaia.json")], { cwd: gaia.dir });
    expect(again.exitCode).toBe(2);
    expect(again.stderr.toString()).toContain(`gaia is already running (pid ${gaia.proc.pid})`);
    expect((await gaia.request("GET", "/health")).status).toBe(200);
  });

  test("kill -9 of the supervisor: every child exits by itself (stdin EOF)", async () => {
    const gaia = await start({ config: { pools: [{ name: "default", size: 2 }] } });
    const pids = gaia.registryPids();
    expect(pids.length).toBe(4);
    gaia.proc.kill("SIGKILL");
    expect(await allGone(pids.slice(1))).toBe(true);
  });

  test("after kill -9 of the supervisor, the next start stops what is left and serves", async () => {
    const gaia = await start({ config: { pools: [{ name: "default", size: 1 }] } });
    const pids = gaia.registryPids();
    // Freeze the children so they cannot notice the supervisor's death on their own.
    for (const pid of pids.slice(1)) process.kill(pid, "SIGSTOP");
    gaia.proc.kill("SIGKILL");
    await gaia.proc.exited;
    const next = await start({ dir: gaia.dir, config: { pools: [{ name: "default", size: 1 }] } });
    expect(await allGone(pids.slice(1))).toBe(true);
    expect(next.output).toContain("left by a previous gaia");
    expect((await next.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: 1 })).body.state).toBe("succeeded");
  });

  test("kill -9 of the IO engine: restarted, workers reconnect, every job runs exactly once", async () => {
    const gaia = await start({ config: { pools: [{ name: "default", size: 2, modules: [tasksModule] }] } });
    const trace = join(gaia.dir, "trace.txt");
    const ioPid = (await gaia.request("GET", "/v1/status")).body.io.pid;
    const lines = ["a", "b", "c", "d", "e", "f"];
    const jobs = await gaia.request("POST", "/v1/jobs/batch", { jobs: lines.map((line) => ({ task: "test.slow_append", payload: { path: trace, line, ms: 300 } })) });
    process.kill(ioPid, "SIGKILL");
    await gaia.until("a new IO engine", async () => {
      const s = (await gaia.request("GET", "/v1/status")).body;
      return s.io.pid && s.io.pid !== ioPid && s.pools[0].ready === 2;
    });
    for (const id of jobs.body.ids) {
      const job = (await gaia.request("GET", `/v1/jobs/${id}?wait=20`)).body;
      expect(job.state).toBe("succeeded");
    }
    expect((await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: "after" })).body.result).toBe("after");
    const status = (await gaia.request("GET", "/v1/status")).body;
    expect(status.jobs).toMatchObject({ queued: 0, running: 0, succeeded: 7 });
    expect(status.pools[0].queued).toBe(0);
    expect(readFileSync(trace, "utf8").trim().split("\n").sort()).toEqual(lines); // each ran once
  });

  test("POST /v1/shutdown while the IO engine is down: the supervisor's responder takes it and gaia stops, exit 0, nothing left", async () => {
    const gaia = await start({ config: { pools: [{ name: "default", size: 1, modules: [tasksModule] }] } });
    const pids = gaia.registryPids();
    const ioPid = (await gaia.request("GET", "/v1/status")).body.io.pid;
    process.kill(ioPid, "SIGKILL");
    // Sent at once: it waits in the socket's backlog for whoever accepts first, the
    // supervisor's responder (started on the engine's exit) or, later, a new engine.
    // On a new connection (curl): one kept alive by fetch was the dead engine's, and resets.
    const asked = Bun.spawnSync(["curl", "-s", "-w", "\n%{http_code}", "--unix-socket", gaia.socket, "-X", "POST", "http://gaia/v1/shutdown"]);
    expect(asked.stdout.toString().trim().split("\n")).toEqual(['{"stopping":true}', "202"]);
    const code = await Promise.race([gaia.proc.exited, Bun.sleep(20_000).then(() => "still running")]);
    expect(code).toBe(0);
    expect(await allGone([...pids, ...gaia.registryPids()])).toBe(true);
    expect(gaia.output).toContain("POST /v1/shutdown: shutting down");
  });

  test("an IO engine that dies while a pool has never been ready is restarted and reconnected", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gaia-test-"));
    writeFileSync(join(dir, "broken.ts"), "throw new Error('never ready');\n");
    const gaia = await start({ dir, waitReady: false, config: { pools: [{ name: "default", size: 1, modules: [join(dir, "broken.ts")] }] } });
    const ioPid = await gaia.until("the IO engine", async () => (await gaia.request("GET", "/v1/status")).body.io.pid);
    process.kill(ioPid, "SIGKILL");
    const status = await gaia.until("a new IO engine answering", async () => {
      const s = (await gaia.request("GET", "/v1/status")).body;
      return s.io.pid && s.io.pid !== ioPid ? s : undefined;
    });
    expect(status.state).toBe("starting");
    expect((await gaia.request("GET", "/v1/jobs?limit=1")).status).toBe(200);
  });

  test("a planned restart of a worker waiting out a crash backoff brings it back", async () => {
    const gaia = await start({ config: { restart: { intensity: 1, period_s: 60, backoff_max_ms: 60_000 }, pools: [{ name: "default", size: 1 }] } });
    for (let crash = 0; crash < 2; crash++) {
      const w = await gaia.until("an idle worker", async () => (await gaia.workers()).find((x) => x.state === "idle"));
      process.kill(w.pid, "SIGKILL");
      await gaia.until("the exit seen", async () => (await gaia.workers())[0].pid !== w.pid);
    }
    await gaia.until("the worker in backoff", async () => (await gaia.workers())[0].state === "backoff");
    expect((await gaia.request("POST", "/v1/workers/default-0/restart")).status).toBe(202);
    await gaia.until("the worker back", async () => (await gaia.workers())[0].state === "idle");
    expect((await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo", payload: "back" })).body.result).toBe("back");
  });

  test("a module that fails to import: the pool's last_error says why and it backs off", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gaia-test-"));
    writeFileSync(join(dir, "broken.ts"), "throw new Error('broken on purpose');\nexport const tasks = {};\n");
    const gaia = await start({ dir, waitReady: false, config: { restart: { intensity: 2, period_s: 60, backoff_max_ms: 2000 }, pools: [{ name: "default", size: 1, modules: [join(dir, "broken.ts")] }] } });
    const pool = await gaia.until("last_error", async () => {
      const p = (await gaia.request("GET", "/v1/status")).body.pools[0];
      return p.last_error?.includes("broken on purpose") && p.state === "crashlooping" ? p : undefined;
    });
    expect(pool.ready).toBe(0);
    const ready = await gaia.request("GET", "/ready");
    expect(ready.status).toBe(503);
    expect(ready.body.error.message).toContain("0/1 workers ready");
    const restarts = (await gaia.workers())[0].restarts;
    await Bun.sleep(1000);
    expect((await gaia.workers())[0].restarts - restarts).toBeLessThanOrEqual(1); // backing off, not spinning
    rmSync(dir, { recursive: true, force: true });
  });
});

test("the binary lists no stray process of a stopped test", () => {
  expect(started.every((g) => !isAlive(g.proc.pid))).toBe(true);
});
