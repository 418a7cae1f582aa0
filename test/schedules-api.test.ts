/**
 * The schedule routes (SPEC §7, §10) against a real gaia: create, read, replace, delete, run
 * now, pause and resume, and every refusal in the `{error: {code, message}}` shape.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { Gaia } from "./helpers/gaia.ts";

const tasksModule = resolve(import.meta.dir, "fixtures/tasks.ts");
let gaia: Gaia;
const put = (name: string, body: unknown) => gaia.request("PUT", `/v1/schedules/${name}`, body);
const get = (name: string) => gaia.request("GET", `/v1/schedules/${name}`);
const post = (name: string, action: string) => gaia.request("POST", `/v1/schedules/${name}/${action}`);

beforeAll(async () => {
  gaia = await Gaia.start({
    config: {
      pools: [{ name: "default", size: 2, modules: [tasksModule] }],
      schedules: [{ name: "from-config", cron: "0 0 1 1 *", task: "echo" }],
      shutdown: { grace_s: 0.2 },
    },
  });
});
afterAll(async () => gaia?.stop());

describe("create, read, replace, delete", () => {
  test("PUT creates (201), GET shows it, PUT again replaces (200), DELETE removes it", async () => {
    const created = await put("nightly", { cron: "0 3 * * *", timezone: "Europe/Paris", task: "echo", payload: { n: 1 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "nightly", source: "api", task: "echo", payload: { n: 1 }, cron: "0 3 * * *", timezone: "Europe/Paris",
      every_s: null, loop: false, overlap: "skip", paused: false, catch_up: false, error_delay_s: 10,
      state: "scheduled", runs: 0, skips: 0, last_run_at: null, last_job: null, last_outcome: null,
    });
    // 03:00 in Paris is 01:00 or 02:00 UTC, depending on the season.
    expect(created.body.next_run_at).toMatch(/T0[12]:00:00\.000Z$/);
    expect((await get("nightly")).body).toEqual(created.body);

    const replaced = await put("nightly", { name: "nightly", every_s: 3600, task: "echo", overlap: "queue" });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ cron: null, timezone: null, every_s: 3600, overlap: "queue", payload: null, state: "scheduled" });

    const names = (await gaia.request("GET", "/v1/schedules")).body.schedules.map((s: { name: string }) => s.name);
    expect(names).toEqual(["from-config", "nightly"]);

    const deleted = await gaia.request("DELETE", "/v1/schedules/nightly");
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ name: "nightly", deleted: true });
    expect((await get("nightly")).status).toBe(404);
  });

  test("a config schedule is listed with source 'config' and cannot be replaced or deleted through the API", async () => {
    expect((await get("from-config")).body).toMatchObject({ source: "config", cron: "0 0 1 1 *", state: "scheduled" });
    for (const reply of [await put("from-config", { every_s: 5, task: "echo" }), await gaia.request("DELETE", "/v1/schedules/from-config")]) {
      expect(reply.status).toBe(409);
      expect(reply.body.error.code).toBe("config_schedule");
      expect(reply.body.error.message).toContain("defined in the config file");
    }
  });
});

describe("refusals", () => {
  const refused = async (body: unknown, status: number, code: string, message: string | RegExp, name = "bad") => {
    const reply = await put(name, body);
    expect({ status: reply.status, code: reply.body.error?.code }).toEqual({ status, code });
    if (typeof message === "string") expect(reply.body.error.message).toBe(message);
    else expect(reply.body.error.message).toMatch(message);
  };

  test("unknown fields, a missing or doubled timing, a bad cron or timezone: 400 saying what is wrong", async () => {
    await refused({ every_s: 5, task: "echo", evry_s: 5 }, 400, "invalid_request", "unknown field 'evry_s' in body");
    await refused({ task: "echo" }, 400, "invalid_request", "body: set exactly one of cron, every_s or loop = true");
    await refused({ every_s: 5, loop: true, task: "echo" }, 400, "invalid_request", "body: set exactly one of cron, every_s or loop = true");
    await refused({ cron: "61 * * * *", task: "echo" }, 400, "invalid_request", "cron: Invalid value for minute: 61");
    await refused({ cron: "* * *", task: "echo" }, 400, "invalid_request", /^cron: expected 5 fields/);
    await refused({ cron: "0 * * * *", timezone: "Mars/Olympus", task: "echo" }, 400, "invalid_request", /^timezone: unknown time zone/);
    await refused({ every_s: 0, task: "echo" }, 400, "invalid_request", /^every_s: /);
    // Beyond these, the next run would be past the dates JavaScript can hold (the views threw).
    await refused({ every_s: 1e308, task: "echo" }, 400, "invalid_request", /^every_s: /);
    await refused({ every_s: 0.0001, task: "echo" }, 400, "invalid_request", /^every_s: /);
    await refused({ loop: true, loop_delay_s: 1e308, task: "echo" }, 400, "invalid_request", /^loop_delay_s: /);
    await refused({ every_s: 5, task: "echo", overlap: "sometimes" }, 400, "invalid_request", /^overlap: /);
    await refused({ every_s: 5, task: "echo", name: "other" }, 400, "invalid_request", `name: the body says "other" but the URL says 'bad'`);
    await refused([1, 2], 400, "invalid_request", /expected a JSON object/);
    const bad = await gaia.request("PUT", "/v1/schedules/bad", "{nope");
    expect({ status: bad.status, code: bad.body.error.code }).toEqual({ status: 400, code: "bad_json" });
    await refused({ every_s: 5, task: "echo" }, 400, "invalid_request", /^a schedule name uses letters/, "bad%20name");
  });

  test("a task no pool serves: 400 unknown_task, and nothing is created", async () => {
    await refused({ every_s: 5, task: "no.such.task" }, 400, "unknown_task", "no pool serves task 'no.such.task'");
    expect((await get("bad")).status).toBe(404);
  });

  test("an unknown schedule: 404 not_found on every route", async () => {
    for (const [method, path] of [["GET", ""], ["DELETE", ""], ["POST", "/run"], ["POST", "/pause"], ["POST", "/resume"]] as const) {
      const reply = await gaia.request(method, `/v1/schedules/ghost${path}`);
      expect({ method, path, status: reply.status, code: reply.body.error.code }).toEqual({ method, path, status: 404, code: "not_found" });
      expect(reply.body.error.message).toBe("no schedule 'ghost'; see GET /v1/schedules");
    }
  });
});

describe("run now, pause, resume", () => {
  test("POST run starts a job that carries the schedule's name, paused or not", async () => {
    expect((await put("manual", { every_s: 3600, task: "echo", payload: { hi: 1 }, paused: true })).body).toMatchObject({ paused: true, state: "paused", next_run_at: null });
    const ran = await post("manual", "run");
    expect(ran.status).toBe(202);
    const id: string = ran.body.id;
    expect(ran.body).toEqual({ id, state: expect.stringMatching(/^(queued|running)$/), schedule: "manual" });
    const job = (await gaia.request("GET", `/v1/jobs/${id}?wait=10`)).body;
    expect(job).toMatchObject({ state: "succeeded", result: { hi: 1 }, schedule: "manual" });
    expect((await gaia.request("GET", "/v1/jobs?schedule=manual")).body.jobs.map((j: { id: string }) => j.id)).toEqual([job.id]);
    expect((await get("manual")).body).toMatchObject({ runs: 1, last_job: job.id, last_outcome: "succeeded", state: "paused" });
    // API jobs have no schedule.
    expect((await gaia.request("POST", "/v1/jobs?wait=10", { task: "echo" })).body.schedule).toBeNull();
  });

  test("POST run while the last run still runs and overlap = skip: 409 overlap", async () => {
    await put("busy", { every_s: 3600, task: "sleep", payload: { ms: 3000 } });
    const first = await post("busy", "run");
    expect(first.status).toBe(202);
    const second = await post("busy", "run");
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("overlap");
    expect(second.body.error.message).toContain(first.body.id);
    await gaia.request("DELETE", `/v1/jobs/${first.body.id}`);
  });

  test("pause stops the runs and clears next_run_at; resume computes the next run from now", async () => {
    await put("pulse", { every_s: 0.2, task: "echo" });
    await gaia.until("pulse ran", async () => (await get("pulse")).body.runs >= 1);
    const paused = await post("pulse", "pause");
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, state: "paused", next_run_at: null });
    const runs = paused.body.runs;
    await Bun.sleep(600);
    expect((await get("pulse")).body.runs).toBe(runs);
    const resumed = await post("pulse", "resume");
    expect(resumed.body).toMatchObject({ paused: false, state: "scheduled" });
    expect(Date.parse(resumed.body.next_run_at)).toBeGreaterThan(Date.now() - 1000);
    await gaia.until("pulse ran again", async () => (await get("pulse")).body.runs > runs);
    await gaia.request("DELETE", "/v1/schedules/pulse");
  });

  test("pause and resume work on a config schedule too", async () => {
    expect((await post("from-config", "pause")).body).toMatchObject({ source: "config", paused: true });
    expect((await post("from-config", "resume")).body).toMatchObject({ source: "config", paused: false, state: "scheduled" });
  });
});
