/**
 * pg-boss (npm), the PostgreSQL-backed job queue that gaia's cluster figures are put beside:
 * installed at bench time into bench/.peers/pg-boss (git-ignored, outside the repository's
 * node_modules, as PM2 is into bench/.peers), once, then kept running as a peer server
 * (bench/peer-server.ts) whose child is bench/cluster/pgboss-peer.ts. When npm cannot get it,
 * or it does not start, the answer says why, and the section shows that instead of a figure.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { PeerServer } from "../peer-server.ts";

/** The major version measured: a new major is a decision, not something a bench run picks up. */
const SPEC = "pg-boss@12";
const PREFIX = join(import.meta.dir, "../.peers/pg-boss");
const ENTRY = join(PREFIX, "node_modules/pg-boss/dist/index.js");

export type Missing = { missing: string };
export type PgBossPeer = { server: PeerServer; version: string; batchSize: number; localConcurrency: number };

/** The path of pg-boss's entry module, installing it first when it is not there, or why not. */
export function ensurePgBoss(log: (line: string) => void): { entry: string } | Missing {
  if (existsSync(ENTRY)) return { entry: ENTRY };
  log(`cluster: installing ${SPEC} into bench/.peers/pg-boss (npm)`);
  mkdirSync(PREFIX, { recursive: true });
  // --prefix keeps it out of the repository's package.json and lock file; engine warnings
  // (pg-boss asks Node >= 22.12 or Bun) do not matter, it runs on Bun.
  const npm = Bun.spawnSync(["npm", "install", "--prefix", PREFIX, "--no-audit", "--no-fund", "--no-save", SPEC], { stdout: "pipe", stderr: "pipe" });
  if (!npm.success) {
    // npm's first error lines name the cause (`code ECONNREFUSED`, `404 Not Found`); its last ones are advice.
    const lines = `${npm.stdout}${npm.stderr}`.trim().split("\n");
    const errors = lines.filter((l) => l.startsWith("npm error"));
    const words = (errors.length ? errors.slice(0, 2) : lines.slice(-2)).join(" ").slice(0, 200);
    return { missing: `\`npm install ${SPEC}\` failed (exit ${npm.exitCode}): ${words}` };
  }
  return existsSync(ENTRY) ? { entry: ENTRY } : { missing: `npm installed ${SPEC} but ${ENTRY} is not there` };
}

/** A pg-boss producer and worker on `url`, ready for `server.call("throughput", n)`, or why not. */
export async function startPgBoss(url: string, log: (line: string) => void): Promise<PgBossPeer | Missing> {
  const got = ensurePgBoss(log);
  if ("missing" in got) return got;
  try {
    const { server, ready } = await PeerServer.start("pg-boss", [process.execPath, join(import.meta.dir, "pgboss-peer.ts"), "--module", got.entry, "--url", url]);
    return { server, version: ready.pgboss, batchSize: ready.batch_size, localConcurrency: ready.local_concurrency };
  } catch (error) {
    return { missing: `pg-boss did not start: ${error instanceof Error ? error.message : error}`.slice(0, 200) };
  }
}
