/**
 * The dashboard's nodes panel on a real cluster (SPEC §13, §15): two nodes on a PostgreSQL
 * server the test starts, headless Chromium on one node's TCP listener. The panel lists
 * both nodes alive with their pools; once the other stops, it shows it lapsed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { freePort, launchBrowser, type Browser } from "./helpers/browser.ts";
import { Gaia } from "./helpers/gaia.ts";
import { startPostgres, type PgServer } from "./helpers/postgres.ts";

let pg: PgServer;
let a: Gaia;
let b: Gaia;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  pg = await startPostgres();
  const port = freePort();
  a = await Gaia.start({ config: { cluster: { url: pg.url, node: "ui-a", lease_s: 2 }, control: { listen: `127.0.0.1:${port}` } } });
  b = await Gaia.start({ config: { cluster: { url: pg.url, node: "ui-b", lease_s: 2 } } });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  const token = readFileSync(join(a.dir, ".gaia/run/token"), "utf8").trim();
  await page.goto(`http://127.0.0.1:${port}/ui/`);
  await page.fill("#token", token);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#app:not([hidden])");
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await a?.stop();
  await b?.stop();
  await pg?.stop();
}, 60_000);

test("the nodes panel shows both nodes alive, this one marked, with their pools; a stopped node turns lapsed", async () => {
  await page.waitForSelector(`[data-panel="nodes"]:not([hidden]) [data-node="ui-b"][data-state="alive"]`, { timeout: 20_000 });
  // Pools as each node said at its last renewal: wait for the one after its workers connected.
  const rows = async () => page.$$eval(`[data-panel="nodes"] tbody tr`, (trs: any[]) => trs.map((tr) => [...tr.children].slice(0, 6).map((td: any) => td.textContent)));
  const deadline = Date.now() + 20_000;
  let seen = await rows();
  while (!seen.every((r) => r[3] === "default 2/0") && Date.now() < deadline) (await Bun.sleep(250), (seen = await rows()));
  expect(seen).toEqual([
    ["ui-a this node", "alive", expect.stringMatching(/ s left$/), "default 2/0", "2", "0"],
    ["ui-b", "alive", expect.stringMatching(/ s left$/), "default 2/0", "2", "0"],
  ]);
  expect(await b.terminate()).toBe(0);
  await page.waitForSelector(`[data-panel="nodes"] [data-node="ui-b"][data-state="lapsed"]`, { timeout: 20_000 });
}, 90_000);
