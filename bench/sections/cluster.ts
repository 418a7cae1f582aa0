/**
 * cluster: gaia on PostgreSQL (SPEC §13) against gaia on SQLite and against pg-boss, a
 * PostgreSQL-backed job queue from npm, all on one private PostgreSQL server
 * (test/helpers/postgres.ts: a fresh cluster in a temp dir, run as the `postgres` user, so
 * the bench runs as root, as the tests do).
 *
 *   throughput   N `echo` jobs (100,000; GAIA_BENCH_CLUSTER_JOBS=N to change it; 10,000 in
 *                a quick run) through /v1/jobs/batch until every one has succeeded
 *                (bench/cluster/throughput.ts), on four sides kept up through the rounds and
 *                interleaved (bench/interleave.ts): gaia on SQLite (one host), gaia as one
 *                PostgreSQL node, gaia as three nodes (the chunks dealt over their sockets),
 *                each node with 2 Bun workers, and pg-boss with the same jobs
 *                (bench/cluster/pgboss-peer.ts says its settings and why). Each gaia row's
 *                ratio is over pg-boss's figure of the same round; the three-node row also
 *                gives its ratio over one node's.
 *   rescue       three nodes with lease_s = 2: kill -9 of the node running a job until the job
 *                has succeeded on another (bench/cluster/rescue.ts), p50 over 5 runs, against
 *                the target lease_s + 1 s (what it means: rescue.ts).
 *
 * Each gaia cluster has a database of its own on the server (one database is one cluster),
 * as has pg-boss. A side that cannot be had (gaia refusing a cluster config, npm without
 * pg-boss, no PostgreSQL on the machine) is a row saying why, and the others are still
 * measured.
 */
import { startPostgres, type PgServer } from "../../test/helpers/postgres.ts";
import { startNode, startNodes, stopNodes, type Missing, type Node } from "../cluster/nodes.ts";
import { startPgBoss, type PgBossPeer } from "../cluster/pgboss.ts";
import { rescueOnce, type RescueRun } from "../cluster/rescue.ts";
import { clusterThroughput } from "../cluster/throughput.ts";
import { formatSpread, interleave, median, ratios, sideSummary, type Blocks, type Side } from "../interleave.ts";
import { WORKERS } from "./core.ts";
import { fmt, rounds, type Options, type Row, type Section } from "./types.ts";

const RESCUE_LEASE_S = 2;

type Sides = { sqlite: Node[] | Missing; pg1: Node[] | Missing; pg3: Node[] | Missing; pgboss: PgBossPeer | Missing };
type GaiaSide = "sqlite" | "pg1" | "pg3";

const isMissing = (x: object): x is Missing => "missing" in x;

/** A database of its own on the server, and its URL (same role and password). */
async function database(pg: PgServer, name: string): Promise<string> {
  await pg.psql(`CREATE DATABASE ${name} OWNER gaia_test;`);
  const url = new URL(pg.url);
  url.pathname = `/${name}`;
  return url.toString();
}

const clusterNodes = (url: string, names: string[]) => names.map((node) => ({ workers: WORKERS, cluster: { url, node } }));

async function startSides(pg: PgServer, o: Options): Promise<Sides> {
  const sqlite = await startNode({ workers: WORKERS });
  const pg1 = await startNodes(clusterNodes(await database(pg, "gaia_one"), ["bench-one"]));
  const pg3 = await startNodes(clusterNodes(await database(pg, "gaia_three"), ["bench-a", "bench-b", "bench-c"]));
  const pgboss = await startPgBoss(await database(pg, "pgboss"), o.log);
  for (const [name, side] of Object.entries({ pg1, pg3, pgboss })) if (isMissing(side)) o.log(`cluster: ${name} missing: ${side.missing}`);
  return { sqlite: isMissing(sqlite) ? sqlite : [sqlite], pg1, pg3, pgboss };
}

async function stopSides(s: Sides): Promise<void> {
  for (const side of [s.sqlite, s.pg1, s.pg3]) if (!isMissing(side)) await stopNodes(side);
  if (!isMissing(s.pgboss)) await s.pgboss.server.close();
}

const GAIA_ROWS: [GaiaSide, string][] = [["sqlite", "SQLite, one host"], ["pg1", "PostgreSQL, 1 node"], ["pg3", "PostgreSQL, 3 nodes"]];

function throughputRows(s: Sides, tp: Blocks, n: number): Row[] {
  const boss = s.pgboss;
  const peer = isMissing(boss) ? `pg-boss missing: ${boss.missing}` : `pg-boss ${boss.version} ${fmt(sideSummary(tp.pgboss!).per_s!)}`;
  return GAIA_ROWS.map(([side, label]): Row => {
    const measure = `${label}: ${fmt(n)} echo jobs (jobs/s)`;
    const got = s[side];
    if (isMissing(got)) return [measure, "-", peer, `gaia missing: ${got.missing}`.slice(0, 240)];
    const notes = [isMissing(boss) ? "" : `${formatSpread(ratios(tp, { of: side, to: "pgboss", key: "per_s", better: "higher" }))} pg-boss`];
    if (side === "pg3" && tp.pg1) notes.push(`${formatSpread(ratios(tp, { of: "pg3", to: "pg1", key: "per_s", better: "higher" }))} 1 node`);
    return [measure, fmt(sideSummary(tp[side]!).per_s!), peer, notes.filter(Boolean).join(" · ") || "-"];
  });
}

async function measureThroughput(pg: PgServer, o: Options, n: number) {
  const s = await startSides(pg, o);
  try {
    const sides: Record<string, Side> = {};
    for (const [side] of GAIA_ROWS) {
      const nodes = s[side];
      if (!isMissing(nodes)) sides[side] = () => clusterThroughput(nodes, n);
    }
    const boss = s.pgboss;
    if (!isMissing(boss)) sides.pgboss = () => boss.server.call("throughput", n);
    const tp = await interleave(sides, { rounds: rounds(o.quick), log: (l) => o.log(`cluster throughput ${l}`) });
    const missing = Object.fromEntries(Object.entries(s).filter(([, v]) => isMissing(v)).map(([k, v]) => [k, (v as Missing).missing]));
    const settings = isMissing(boss) ? null : { version: boss.version, batch_size: boss.batchSize, local_concurrency: boss.localConcurrency };
    return { rows: throughputRows(s, tp, n), figures: { jobs: n, workers_per_node: WORKERS, throughput: tp, pgboss: settings, missing } };
  } finally {
    await stopSides(s);
  }
}

async function measureRescue(pg: PgServer, o: Options) {
  const measure = `rescue: kill -9 of a node → its job succeeded elsewhere, lease_s ${RESCUE_LEASE_S} (ms)`;
  const target = `target ≤ ${fmt((RESCUE_LEASE_S + 1) * 1000)} ms (lease_s + 1 s)`;
  const url = await database(pg, "gaia_rescue");
  const runs: RescueRun[] = [];
  try {
    for (let i = 0; i < (o.quick ? 2 : 5); i++) {
      const got = await rescueOnce(url, RESCUE_LEASE_S, i + 1, WORKERS);
      if (isMissing(got)) return { rows: [[measure, "-", "-", `gaia missing: ${got.missing}`.slice(0, 240)]] as Row[], figures: { missing: got.missing } };
      runs.push(got);
      o.log(`cluster rescue ${i + 1}: ${got.killed} killed, job succeeded on ${got.rescued_by} after ${fmt(got.succeeded_ms)} ms (taken back at ${fmt(got.taken_back_ms)} ms)`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { rows: [[measure, "-", "-", `failed after ${runs.length} runs: ${message}`.slice(0, 240)]] as Row[], figures: { failed: message, runs } };
  }
  const done = runs.map((r) => r.succeeded_ms);
  const back = runs.map((r) => r.taken_back_ms);
  const spreadOf = (xs: number[]) => `p50 of ${xs.length} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
  return {
    rows: [
      [measure, fmt(median(done)), "-", `${spreadOf(done)} · ${target}`],
      [`rescue: kill -9 → the job leaves the dead node (ms)`, fmt(median(back)), "-", spreadOf(back)],
    ] as Row[],
    figures: { lease_s: RESCUE_LEASE_S, runs },
  };
}

async function run(o: Options) {
  const n = Number(process.env.GAIA_BENCH_CLUSTER_JOBS ?? (o.quick ? 10_000 : 100_000));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`GAIA_BENCH_CLUSTER_JOBS: expected a whole number of jobs > 0, got ${JSON.stringify(process.env.GAIA_BENCH_CLUSTER_JOBS)}`);
  let pg: PgServer;
  try {
    pg = await startPostgres();
  } catch (error) {
    const why = `no PostgreSQL: ${error instanceof Error ? error.message : error}`.slice(0, 240);
    return { rows: [["cluster: every measure", "-", "-", why]] as Row[], figures: { missing: why } };
  }
  try {
    const tp = await measureThroughput(pg, o, n);
    const rescue = await measureRescue(pg, o);
    return { rows: [...tp.rows, ...rescue.rows], figures: { ...tp.figures, rescue: rescue.figures } };
  } finally {
    await pg.stop();
  }
}

export const cluster: Section = { name: "cluster", title: "PostgreSQL: throughput on 1 and 3 nodes (vs SQLite, pg-boss), rescue of a killed node's job", run };
