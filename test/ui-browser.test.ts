/**
 * The dashboard (SPEC §15) in a real headless Chromium against the real binary, reached on
 * the TCP listener as a browser reaches it: sign in with the token; the workers table shows
 * the workers gaia runs; a job submitted through the API appears live and succeeds; a
 * failing job's traceback opens, in the list and on its own page; a worker killed with
 * kill -9 shows its restart; pausing a schedule and cancelling a job from the page ask first
 * and do it (checked through the API); a pipeline session shows in its panel; the nodes
 * panel stays hidden on this gaia of one host (404 not_clustered; a real cluster's panel is
 * in cluster-ui.test.ts); after kill -9
 * of the IO engine the page comes back live by itself; idle for 10 s it makes no request
 * beyond its event stream; a burst shows in the jobs-per-second chart. Then the page over
 * the Unix socket (through a plain TCP forward), where no sign-in is asked for.
 *
 * GAIA_UI_SCREENSHOT=docs/dashboard.png writes the main page's screenshot there (how the
 * README's picture is made); without it, it goes to the test's temp dir.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { forwardToUnix, freePort, launchBrowser, type Browser } from "./helpers/browser.ts";
import { Gaia } from "./helpers/gaia.ts";

/** The page's own global, inside the functions that run there (this file is typed without the DOM). */
declare const document: any;

const SCHEDULE = { name: "nightly", cron: "0 3 * * *", timezone: "UTC", task: "echo", payload: { report: true } };

let gaia: Gaia;
let browser: Browser;
let page: Page;
let base: string;
let token: string;

beforeAll(async () => {
  const port = freePort();
  gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 2, spares: 1 }], control: { listen: `127.0.0.1:${port}` }, schedules: [SCHEDULE] } });
  base = `http://127.0.0.1:${port}`;
  token = readFileSync(join(gaia.dir, ".gaia/run/token"), "utf8").trim();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on("pageerror", (err) => console.error(`page error: ${err.message}`));
});

afterAll(async () => {
  await browser?.close();
  await gaia?.stop();
});

/** Waits until the page shows what `check` looks for (polled in the page, no fixed sleeps). */
// Functions, not strings: the page's CSP forbids eval, which a string predicate needs.
// They run in the page, so they may use nothing from this file.
const until = (fn: (arg: any) => unknown, arg: unknown) => page.waitForFunction(fn, arg, { timeout: 15_000 });
const submit = async (body: unknown) => (await gaia.request("POST", "/v1/jobs", body)).body.id as string;

describe("over TCP, signed in with the token", () => {
  test("the page asks for the token, refuses a wrong one, and signs in with the right one", async () => {
    await page.goto(`${base}/ui/`);
    await page.waitForSelector("#login:not([hidden])");
    await page.fill("#token", "not-the-token");
    await page.click("#login button[type=submit]");
    await until(() => document.getElementById("login-error")?.textContent?.includes("not this gaia's token"), null);
    await page.fill("#token", token);
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#app:not([hidden]) [data-worker]");
    const cookie = (await browser.context.cookies()).find((c) => c.name === "gaia_token")!;
    expect(cookie).toMatchObject({ value: token, httpOnly: true, sameSite: "Strict", secure: false, path: "/" });
    await until(() => document.getElementById("live")?.textContent === "live", null);
  });

  test("the workers table shows the running workers, with their pids", async () => {
    const workers = await gaia.workers();
    await until((n) => document.querySelectorAll("[data-worker]").length === n, workers.length);
    const rows = new Map(await page.$$eval("[data-worker]", (trs: any[]) => trs.map((r) => [r.dataset.worker, [...r.children].map((td: any) => td.textContent)] as [string, string[]])));
    for (const w of workers) {
      const cells = rows.get(w.id)!;
      expect(cells[4]).toBe(String(w.pid)); // the pid column
      expect(cells[3]).toBe(w.state); // idle, or spare
    }
  });

  test("on a gaia of one host the nodes panel stays hidden, and its 404 not_clustered is no error on the page", async () => {
    const nodes = await gaia.request("GET", "/v1/nodes");
    expect([nodes.status, nodes.body.error.code]).toEqual([404, "not_clustered"]);
    // The page has read /v1/nodes (its answer is handled in the same turn as it arrives).
    await until(() => performance.getEntriesByType("resource").some((e: any) => new URL(e.name).pathname === "/v1/nodes"), null);
    expect(await page.locator(`[data-panel="nodes"]`).isHidden()).toBe(true);
    expect(await page.evaluate(() => document.getElementById("banner")?.textContent ?? "")).not.toContain("nodes");
    expect(await page.locator(`[data-panel="sessions"]`).isHidden()).toBe((await gaia.request("GET", "/v1/sessions")).status === 404);
  });

  test("a job submitted through the API appears live and succeeds", async () => {
    const id = await submit({ task: "sleep", payload: { ms: 400 } });
    await page.waitForSelector(`[data-job="${id}"]`, { timeout: 15_000 });
    await page.waitForSelector(`[data-job="${id}"][data-state="succeeded"]`, { timeout: 15_000 });
    expect((await gaia.request("GET", `/v1/jobs/${id}`)).body.state).toBe("succeeded");
  });

  test("a failing job's traceback opens, in the list and on the job's page", async () => {
    const id = await submit({ task: "sleep", payload: { ms: "soon" } });
    const row = `[data-job="${id}"][data-state="failed"]`;
    await page.waitForSelector(row, { timeout: 15_000 });
    await page.click(`${row} details.traceback summary`);
    const traceback = page.locator(`${row} details.traceback pre`);
    await traceback.waitFor({ state: "visible" });
    expect(await traceback.textContent()).toContain("TypeError");
    await page.click(`${row} a[href="#/jobs/${id}"]`);
    await page.waitForSelector(`[data-panel="job"]:not([hidden]) pre.traceback`);
    const text = await page.locator(`[data-panel="job"]`).textContent();
    expect(text).toContain("TypeError: sleep expects {ms: a number >= 0}");
    expect(text).toContain("logs");
    await page.click(`a[href="#/"]`);
    await page.waitForSelector(`[data-panel="workers"]:not([hidden])`);
  });

  test("a worker killed with kill -9 shows its restart", async () => {
    const before = (await gaia.workers()).find((w) => w.id === "default-0")!;
    process.kill(before.pid, "SIGKILL");
    const row = `[data-worker="default-0"]`;
    await until(({ row, pid }) => {
      const r = document.querySelector(row);
      // columns: id, pool, runtime, state, pid (4), RSS, job, jobs done, restarts (8), GPUs, last exit
      return r && r.textContent!.includes("SIGKILL (crash)") && r.children[4]!.textContent !== String(pid) && r.children[8]!.textContent === "1";
    }, { row, pid: before.pid });
    const after = (await gaia.workers()).find((w) => w.id === "default-0")!;
    expect(after.restarts).toBe(1);
    expect(await page.locator(row).textContent()).toContain(String(after.pid));
  });

  test("pausing a schedule asks first; dismissed it does nothing, accepted it pauses (seen through the API)", async () => {
    const button = page.locator(`[data-schedule="nightly"] button`, { hasText: "Pause" });
    page.once("dialog", (d) => void d.dismiss());
    await button.click();
    await Bun.sleep(300); // a dismissed dialog sends nothing; give a request time to show if one went
    expect((await gaia.request("GET", "/v1/schedules/nightly")).body.paused).toBe(false);
    let question = "";
    page.once("dialog", (d) => ((question = d.message()), void d.accept()));
    await button.click();
    await page.waitForSelector(`[data-schedule="nightly"][data-state="paused"]`, { timeout: 15_000 });
    expect(question).toContain("Pause schedule nightly?");
    expect((await gaia.request("GET", "/v1/schedules/nightly")).body).toMatchObject({ paused: true, state: "paused" });
  });

  test("cancelling a running job from the page asks first, then cancels it", async () => {
    const id = await submit({ task: "sleep", payload: { ms: 60_000 } });
    await gaia.untilRunning(id);
    const cancel = page.locator(`[data-job="${id}"] button`, { hasText: "Cancel" });
    await cancel.waitFor({ timeout: 15_000 });
    page.once("dialog", (d) => void d.accept());
    await cancel.click();
    await page.waitForSelector(`[data-job="${id}"][data-state="cancelled"]`, { timeout: 15_000 });
    expect((await gaia.request("GET", `/v1/jobs/${id}`)).body.state).toBe("cancelled");
  });

  test("a pipeline session shows in its panel, with its node's process, until it is terminated", async () => {
    const module = resolve(import.meta.dir, "fixtures/pipeline_nodes.ts");
    const created = await gaia.request("POST", "/v1/sessions", { pipeline: { nodes: [{ id: "p", runtime: "bun", module, node: "t.pass" }], connections: [] } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const row = `[data-panel="sessions"]:not([hidden]) [data-item="${id}"]`;
    await page.waitForSelector(`${row}[data-state="ready"]`, { timeout: 15_000 });
    const pid = (await gaia.request("GET", `/v1/sessions/${id}`)).body.nodes[0].pid;
    expect(await page.locator(`${row} + tr.nested`).textContent()).toContain(`pid ${pid}`);
    await gaia.request("DELETE", `/v1/sessions/${id}`);
    await page.waitForSelector(`${row}[data-state="terminated"]`, { timeout: 15_000 });
  });

  test("after kill -9 of the IO engine the page comes back live on its own: a job submitted then appears", async () => {
    const io = (await gaia.request("GET", "/v1/status")).body.io.pid as number;
    process.kill(io, "SIGKILL");
    await gaia.until("a new IO engine", async () => {
      const status = await gaia.request("GET", "/v1/status");
      return status.status === 200 && status.body.io?.pid !== io && status.body.io?.state === "ok";
    });
    await gaia.waitReady();
    const id = await submit({ task: "echo", payload: "after the engine came back" });
    await page.waitForSelector(`[data-job="${id}"][data-state="succeeded"]`, { timeout: 20_000 });
    await until(() => document.getElementById("live")?.textContent === "live", null);
  });

  test("idle for 10 s, the page makes no request beyond its event stream", async () => {
    await page.reload();
    await page.waitForSelector("#app:not([hidden]) [data-worker]");
    await until(() => document.getElementById("live")?.textContent === "live", null);
    await page.waitForLoadState("networkidle"); // the first reads are done (the event stream does not count)
    await Bun.sleep(1500); // and any trailing read the Refresher scheduled
    const requests: string[] = [];
    page.on("request", (r) => void requests.push(`${r.method()} ${r.url()}`));
    await Bun.sleep(10_000);
    expect(requests).toEqual([]);
    expect(await page.locator("#live").textContent()).toBe("live");
  }, 30_000);

  test("a burst of jobs shows in the jobs-per-second chart (from the events); then a screenshot of the main page", async () => {
    const batch = await gaia.request("POST", "/v1/jobs/batch", { jobs: Array.from({ length: 2000 }, (_, i) => ({ task: "echo", payload: { i } })) });
    expect(batch.status).toBe(202);
    // The chart's baseline is at y=140 (chart.ts: 180 high, 40 below, 10 above): any point above it is a rate > 0.
    await page.waitForFunction(() => {
      const d = document.querySelector(`[data-panel="rate"] path`)?.getAttribute("d") ?? "";
      return [...d.matchAll(/[ML][\d.]+ ([\d.]+)/g)].some((m: any) => Number(m[1]) < 139);
    }, null, { timeout: 20_000 });
    const out = process.env.GAIA_UI_SCREENSHOT ? resolve(import.meta.dir, "..", process.env.GAIA_UI_SCREENSHOT) : join(gaia.dir, "dashboard.png");
    await page.screenshot({ path: out, fullPage: true });
    expect(statSync(out).size).toBeGreaterThan(10_000);
  }, 30_000);

  test("signing out clears the cookie and shows the form again", async () => {
    await page.click("#signout");
    await page.waitForSelector("#login:not([hidden])");
    expect((await browser.context.cookies()).find((c) => c.name === "gaia_token")).toBeUndefined();
    await page.reload();
    await page.waitForSelector("#login:not([hidden])");
  });
});

test("over the Unix socket (through a plain TCP forward) the page needs no sign-in", async () => {
  const forward = forwardToUnix(gaia.socket);
  const other = await browser.context.newPage();
  try {
    await other.goto(`http://127.0.0.1:${forward.port}/ui/`);
    await other.waitForSelector("#app:not([hidden]) [data-worker]", { timeout: 15_000 });
    expect(await other.locator("#login").isHidden()).toBe(true);
    expect(await other.locator("#signout").isHidden()).toBe(true);
    await other.waitForFunction(() => document.getElementById("live")?.textContent === "live", null, { timeout: 15_000 });
    const id = await submit({ task: "echo", payload: 1 });
    await other.waitForSelector(`[data-job="${id}"][data-state="succeeded"]`, { timeout: 15_000 });
  } finally {
    await other.close();
    forward.stop();
  }
});
