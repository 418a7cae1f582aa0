/**
 * The TypeScript client (src/client/) against a real gaia, from Bun: every operation it
 * types, its errors, the events stream with a reconnect, and TCP with a bearer token (HTTP
 * and HTTPS) through test/helpers/tcp-front.ts until the server has its own listener.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { GaiaApiError, GaiaClient, GaiaJobError, GaiaUnreachableError, type GaiaEvent, type Job } from "../src/client/index.ts";
import { Gaia } from "./helpers/gaia.ts";
import { TcpFront } from "./helpers/tcp-front.ts";

const tasksModule = resolve(import.meta.dir, "fixtures/tasks.ts");
const arrayTasks = resolve(import.meta.dir, "fixtures/array_tasks.ts");
let gaia: Gaia;
let client: GaiaClient;

beforeAll(async () => {
  gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 2, modules: [tasksModule, arrayTasks] }] } });
  client = new GaiaClient({ socket: gaia.socket });
});
afterAll(async () => {
  client?.close();
  await gaia?.stop();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the promise to reject");
}

describe("the client on the Unix socket", () => {
  test("status, workers, health, ready, metrics, gpus", async () => {
    expect((await client.status()).pools?.map((p) => p.name)).toEqual(["default"]);
    expect((await client.workers()).workers.map((w) => w.id).sort()).toEqual(["default-0", "default-1"]);
    expect((await client.health()).status).toBe("ok");
    expect(await client.ready()).toEqual({ ready: true });
    expect(await client.metrics()).toContain("gaia_uptime_seconds");
    expect(Array.isArray((await client.gpus()).gpus)).toBe(true);
  });

  test("submit, job, wait and call; a failure is a GaiaJobError, a refusal a GaiaApiError", async () => {
    const accepted = await client.submit("echo", { a: 1 });
    expect(accepted).toEqual({ id: expect.any(String), state: expect.any(String) });
    expect(await client.wait(accepted.id, { timeoutS: 10 })).toMatchObject({ id: accepted.id, state: "succeeded", result: { a: 1 } });
    expect(await client.call("echo", [1, 2], { timeoutS: 10 })).toEqual([1, 2]);
    const failed = await rejection(client.call("test.fail", { x: 3 }, { timeoutS: 10 }));
    expect(failed).toBeInstanceOf(GaiaJobError);
    expect(failed.message).toMatch(/^job \S+ failed: RangeError: bad value 3$/);
    const unknown = (await rejection(client.submit("no.such.task"))) as GaiaApiError;
    expect(unknown).toBeInstanceOf(GaiaApiError);
    expect([unknown.status, unknown.code]).toEqual([400, "unknown_task"]);
    const missing = (await rejection(client.job("01a20000-0000-7000-8000-000000000000"))) as GaiaApiError;
    expect([missing.status, missing.code]).toEqual([404, "not_found"]);
  });

  test("a batch, then jobs newest first (order=desc) and oldest first, filtered and paged", async () => {
    const { ids } = await client.submitBatch([1, 2, 3].map((n) => ({ task: "echo", payload: n })));
    for (const id of ids) await client.wait(id, { timeoutS: 10 });
    const newest = await client.jobs({ task: "echo", order: "desc", limit: 3 });
    expect(newest.jobs.map((j) => j.id)).toEqual([...ids].reverse());
    const oldest = await client.jobs({ task: "echo", order: "asc", limit: 1000 });
    expect(oldest.jobs.map((j) => j.id).slice(-3)).toEqual(ids);
    const paged: Job[] = [];
    for await (const job of client.allJobs({ task: "echo", state: "succeeded", limit: 2, order: "desc" })) paged.push(job);
    expect(paged.length).toBe(oldest.jobs.filter((j) => j.state === "succeeded").length);
  });

  test("cancel a queued job; cancelling it again is a 409", async () => {
    const sleepers = [await client.submit("sleep", { ms: 1500 }), await client.submit("sleep", { ms: 1500 })];
    const queued = await client.submit("echo", "late");
    expect((await client.cancel(queued.id)).state).toBe("cancelled");
    expect(((await rejection(client.cancel(queued.id))) as GaiaApiError).status).toBe(409);
    for (const s of sleepers) await client.wait(s.id, { timeoutS: 10 });
  });

  test("arrays: allocate and write in place, upload a TypedArray and a .npy, run a job on them, download, list, delete", async () => {
    const local = await client.arrays.allocate("float32", [4]);
    writeFileSync(local.path, new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer));
    const uploaded = await client.arrays.upload(new Int16Array([5, 6]));
    expect(uploaded).toMatchObject({ dtype: "int16", shape: [2], byte_length: 4 });
    const job = await client.wait((await client.submit("arr.inc", null, { arrays: { a: local.name, b: uploaded.name } })).id, { timeoutS: 10 });
    expect(job.state).toBe("succeeded");
    const a = await client.arrays.download(job.result_arrays.a!);
    expect([a.dtype, a.shape, [...new Float32Array(a.data.buffer, a.data.byteOffset, 4)]]).toEqual(["float32", [4], [2, 3, 4, 5]]);
    const npy = await client.arrays.openDownload(job.result_arrays.b!, { npy: true });
    const chunks: Buffer[] = [];
    for await (const chunk of npy.stream) chunks.push(chunk as Buffer);
    const again = await client.arrays.uploadNpy(new Uint8Array(Buffer.concat(chunks)));
    expect(again).toMatchObject({ dtype: "int16", shape: [2] });
    expect([...new Int16Array((await client.arrays.download(again.name)).data.buffer.slice(0))]).toEqual([6, 7]);
    expect((await client.arrays.list()).arrays.map((x) => x.name)).toContain(again.name);
    expect(await client.arrays.delete(again.name)).toMatchObject({ name: again.name, deleted: true });
    expect(((await rejection(client.arrays.download(again.name))) as GaiaApiError).status).toBe(404);
  });

  test("schedules: put, get, list, pause, resume, run, delete", async () => {
    expect(await client.schedules.put("tick", { every_s: 3600, task: "echo", payload: { n: 1 } })).toMatchObject({ name: "tick", source: "api", task: "echo" });
    expect((await client.schedules.get("tick")).every_s).toBe(3600);
    expect((await client.schedules.list()).schedules.map((s) => s.name)).toContain("tick");
    expect((await client.schedules.pause("tick")).state).toBe("paused");
    expect((await client.schedules.resume("tick")).state).toBe("scheduled");
    const run = await client.schedules.run("tick");
    expect(run.schedule).toBe("tick");
    expect((await client.wait(run.id, { timeoutS: 10 })).schedule).toBe("tick");
    expect((await client.jobs({ schedule: "tick", order: "desc" })).jobs[0]!.id).toBe(run.id);
    await client.schedules.delete("tick");
    expect(((await rejection(client.schedules.get("tick"))) as GaiaApiError).status).toBe(404);
  });

  test("restartWorker and restartPool replace processes", async () => {
    const before = new Map((await client.workers()).workers.map((w) => [w.id, w.pid]));
    expect(await client.restartWorker("default-0")).toEqual({ id: "default-0", restarting: true });
    await gaia.until("default-0 replaced", async () => (await client.workers()).workers.find((w) => w.id === "default-0" && w.pid !== before.get("default-0") && w.state === "idle"));
    const pool = await client.restartPool("default");
    expect(pool).toMatchObject({ pool: "default", workers: ["default-0", "default-1"], restarting: true });
    await gaia.until("default-1 replaced", async () => (await client.workers()).workers.find((w) => w.id === "default-1" && w.pid !== before.get("default-1") && w.state === "idle"));
    expect(((await rejection(client.restartWorker("default-9"))) as GaiaApiError).status).toBe(404);
    await gaia.waitReady();
  });

  test("events: a subscription sees its job end; one opened with an earlier lastEventId replays what followed it", async () => {
    const all = await client.subscribe();
    const { id } = await client.submit("test.progress");
    const seen: GaiaEvent[] = [];
    for await (const event of all) {
      if (event.data.job_id === id) seen.push(event);
      if (event.kind === "job.finished" && event.data.job_id === id) break;
    }
    expect(seen.map((e) => e.kind)).toContain("job.progress");
    expect(seen.at(-1)!.data.state).toBe("succeeded");
    const first = seen[0]!;
    const replay = await client.subscribe({ job: id, lastEventId: first.id - 1 });
    const replayed = await replay.next();
    replay.close();
    expect(replayed.value).toEqual(first);
  });

  test("a socket nobody serves is a GaiaUnreachableError that says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gaia-client-"));
    try {
      const err = (await rejection(new GaiaClient({ socket: join(dir, "none.sock") }).status())) as GaiaUnreachableError;
      expect(err).toBeInstanceOf(GaiaUnreachableError);
      expect([err.code, err.message]).toEqual(["ENOENT", `cannot reach gaia at ${join(dir, "none.sock")} (is it running? start it with 'gaia start')`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("jobLogs: the lines a job printed, per attempt", async () => {
    const job = await client.wait((await client.submit("test.print", { line: "from the job" })).id, { timeoutS: 10 });
    const logs = await client.jobLogs(job.id);
    expect(logs.attempts?.[0]?.lines.map((l) => l.line)).toContain("from the job");
  });

  test("submit with priority and delay_s: the job waits out its delay", async () => {
    const job = await client.wait((await client.submit("echo", 1, { priority: 5, delay_s: 1 })).id, { timeoutS: 10 });
    expect(job).toMatchObject({ state: "succeeded", priority: 5 });
    // Not a duration check: the job's own record says it was held until its not_before.
    expect(Date.parse(job.not_before!) - Date.parse(job.created_at!)).toBeGreaterThanOrEqual(999);
    expect(Date.parse(job.started_at!)).toBeGreaterThanOrEqual(Date.parse(job.not_before!));
  });
});

describe("the client on TCP with a bearer token", () => {
  let front: TcpFront;
  beforeAll(async () => {
    front = await TcpFront.open({ socket: gaia.socket, token: "s3cret" });
  });
  afterAll(async () => front?.close());

  test("URL and token, from options or GAIA_URL and GAIA_TOKEN; a wrong token is a 401 GaiaApiError", async () => {
    expect((await new GaiaClient({ url: front.url, token: "s3cret" }).call("echo", "tcp", { timeoutS: 10 }))).toBe("tcp");
    const fromEnv = new GaiaClient({ env: { GAIA_URL: front.url, GAIA_TOKEN: "s3cret" } });
    expect((await fromEnv.status()).pools?.length).toBe(1);
    const wrong = (await rejection(new GaiaClient({ url: front.url, token: "nope" }).status())) as GaiaApiError;
    expect([wrong.status, wrong.code]).toEqual([401, "unauthorized"]);
  });

  test("the events stream reconnects with Last-Event-ID after its connection is cut, missing nothing", async () => {
    const tcp = new GaiaClient({ url: front.url, token: "s3cret" });
    const events = await tcp.subscribe();
    const ids: string[] = [];
    const finished = new Set<string>();
    const reading = (async () => {
      for await (const event of events) if (event.kind === "job.finished") finished.add(String(event.data.job_id));
    })();
    for (let i = 0; i < 6; i++) {
      ids.push((await tcp.submit("echo", i)).id);
      if (i === 2) front.cut();
      await Bun.sleep(50);
    }
    await gaia.until("every job.finished through the cut", async () => ids.every((id) => finished.has(id)));
    expect(front.requests.get("/v1/events")).toBe(2);
    events.close();
    await reading;
  });

  test("https with the server's own certificate given as the CA", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gaia-tls-"));
    const made = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stderr: "pipe" });
    expect(made.exitCode).toBe(0);
    const cert = readFileSync(join(dir, "cert.pem"), "utf8");
    const secure = await TcpFront.open({ socket: gaia.socket, token: "t", tls: { cert, key: readFileSync(join(dir, "key.pem"), "utf8") } });
    try {
      expect(await new GaiaClient({ url: secure.url, token: "t", tls: { ca: cert } }).call("echo", "tls", { timeoutS: 10 })).toBe("tls");
      const untrusted = await rejection(new GaiaClient({ url: secure.url, token: "t" }).status());
      expect(untrusted).toBeInstanceOf(GaiaUnreachableError);
    } finally {
      await secure.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a port nobody listens on is a GaiaUnreachableError", async () => {
    const err = (await rejection(new GaiaClient({ url: "http://127.0.0.1:9", token: "t" }).status())) as GaiaUnreachableError;
    expect(err).toBeInstanceOf(GaiaUnreachableError);
    expect(err.code).toBe("ECONNREFUSED");
  });
});
