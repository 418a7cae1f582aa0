/**
 * The test helper that starts a private PostgreSQL (test/helpers/postgres.ts): servers side
 * by side leave each other alone, restart keeps what was committed, stop leaves nothing, and
 * a server left by a crashed run is stopped and removed by the next start.
 */
import { SQL } from "bun";
import { afterAll, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startPostgres, type PgServer } from "./helpers/postgres.ts";

const started: PgServer[] = [];
afterAll(async () => {
  for (const s of started) await s.stop();
});

async function start(): Promise<PgServer> {
  const server = await startPostgres();
  started.push(server);
  return server;
}

async function one(url: string, query: string): Promise<unknown> {
  const sql = new SQL(url, { max: 1, connectionTimeout: 5 });
  try {
    const rows = await sql.unsafe(query);
    return rows[0];
  } finally {
    await sql.close();
  }
}

const postmasterAlive = (dir: string) => existsSync(join(dir, "data", "postmaster.pid"));

test("two servers side by side: each answers on its own port, stopping one leaves the other", async () => {
  const a = await start();
  const b = await start();
  expect(a.port).not.toBe(b.port);
  expect(a.url).toStartWith("postgres://gaia_test:");
  await one(a.url, "CREATE TABLE t (v int); INSERT INTO t VALUES (1)");
  expect(await one(b.url, "SELECT to_regclass('t') AS t")).toEqual({ t: null });
  await b.stop();
  expect(existsSync(b.dir)).toBe(false);
  expect(await one(a.url, "SELECT v FROM t")).toEqual({ v: 1 });
});

test("restart keeps committed rows, and the same URL works after it", async () => {
  const s = await start();
  await one(s.url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('yes')");
  await s.restart();
  expect(await one(s.url, "SELECT v FROM kept")).toEqual({ v: "yes" });
  await s.stop();
  await s.stop(); // twice is fine
  expect(existsSync(s.dir)).toBe(false);
});

test("a wrong password is refused: the role really logs in with its password", async () => {
  const s = await start();
  const wrong = s.url.replace(/:[0-9a-f]{32}@/, ":nope@");
  await expect(one(wrong, "SELECT 1")).rejects.toThrow(/password/i);
});

test("a server left by a crashed run (its owner is gone) is stopped and removed by the next start", async () => {
  const stale = await startPostgres(); // not in `started`: it plays the crashed run's
  const gone = Bun.spawn(["true"]);
  await gone.exited;
  writeFileSync(join(stale.dir, "owner.pid"), String(gone.pid));
  expect(postmasterAlive(stale.dir)).toBe(true);
  const live = await start(); // whose owner (this process) is alive: untouched by the next one
  expect(existsSync(stale.dir)).toBe(false);
  await start();
  expect(await one(live.url, "SELECT 1 AS one")).toEqual({ one: 1 });
});
