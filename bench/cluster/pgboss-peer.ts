/**
 * The child side of the pg-boss peer (bench/cluster/pgboss.ts starts it): one Bun process that
 * holds a PgBoss instance on the bench's PostgreSQL, its producer and its worker, and answers
 * the lines of bench/peer-server.ts on stdin (`throughput N` → one JSON line).
 *
 *   bun bench/cluster/pgboss-peer.ts --module PATH/TO/pg-boss/dist/index.js --url postgres://…
 *
 * pg-boss is imported from the path given (bench/.peers/pg-boss, installed at bench time), not
 * from the repository's node_modules. It runs on Bun: pg-boss 12 wants Node >= 22.12 or Bun
 * (its README's requirements), and Bun is what the benchmark always has.
 *
 * The settings, chosen for pg-boss's throughput (its documented batch paths, nothing slowed):
 *
 *   producer   `insert(queue, jobs)` in chunks of 10,000: pg-boss's bulk path, one statement
 *              per chunk (`send` is a statement per job); the same chunk gaia's
 *              /v1/jobs/batch takes, sent one after the other as gaia's are.
 *   worker     `work` with `batchSize: BATCH` (one fetch claims up to that many jobs with SKIP
 *              LOCKED), `burstWhenBatchFull` (fetch again at once while batches come back
 *              full, instead of waiting out the polling interval), `localConcurrency:
 *              CONCURRENCY` fetch loops (gaia's PostgreSQL node runs 2 workers), and
 *              `perJobResults`, so each job completes with its own output (the echo of its
 *              payload, as gaia's `echo` stores its result) in one statement per batch.
 *   wake-up    `useListenNotify` and a queue with `notify: true`: an idle worker is woken by the
 *              insert's NOTIFY rather than its next poll (pg-boss's polling floor is 0.5 s), as
 *              gaia's nodes are woken by LISTEN/NOTIFY (SPEC §13).
 *
 * BATCH and CONCURRENCY were picked by trying batchSize 100, 500, 1000 and 2000 with 1, 2 and 4
 * fetch loops, 20,000 jobs a block, on this bench's server (2026-12-02, 15 CPUs): 1000 with 2
 * loops was the fastest (22,000-24,000 jobs/s; 500 × 2 about 17,000, 2000 × 2 about 21,000),
 * and 4 loops did not beat 2. GAIA_BENCH_PGBOSS_BATCH and GAIA_BENCH_PGBOSS_LOOPS try others.
 * A round's time runs from the first insert until the database shows no job of the queue left
 * unfinished.
 */
import { parseArgs } from "node:util";

const CHUNK = 10_000;
const BATCH = Number(process.env.GAIA_BENCH_PGBOSS_BATCH ?? 1000);
const CONCURRENCY = Number(process.env.GAIA_BENCH_PGBOSS_LOOPS ?? 2);
const QUEUE = "bench-echo";

const { values: args } = parseArgs({ options: { module: { type: "string" }, url: { type: "string" } } });
if (!args.module || !args.url) throw new Error("usage: pgboss-peer.ts --module PATH --url POSTGRES_URL");

const note = (text: string) => console.error(`[pg-boss peer] ${text}`);
const { PgBoss } = await import(args.module);
const boss = new PgBoss({ connectionString: args.url, useListenNotify: true });
boss.on("error", (e: unknown) => note(`error: ${e instanceof Error ? e.message : e}`));
await boss.start();
await boss.createQueue(QUEUE, { notify: true });
const { table } = (await boss.getQueue(QUEUE)) as { table: string };

/** Jobs the handler has seen since the round began; `reached` wakes the round when it gets there. */
let handled = 0;
let reached: { n: number; wake: () => void } | null = null;

await boss.work(QUEUE, { batchSize: BATCH, localConcurrency: CONCURRENCY, burstWhenBatchFull: true, perJobResults: true }, async function echo(jobs: { id: string; data: unknown }[]) {
  handled += jobs.length;
  if (reached && handled >= reached.n) reached.wake();
  return jobs.map((job) => ({ id: job.id, status: "completed", output: job.data }));
});

/** How many of the queue's jobs are not finished yet (created, retry or active). */
async function unfinished(): Promise<number> {
  const { rows } = await boss.getDb().executeSql(`SELECT count(*)::int AS n FROM pgboss.${table} WHERE name = $1 AND state IN ('created', 'retry', 'active')`, [QUEUE]);
  return rows[0].n as number;
}

/** `n` echo jobs from the first insert until every one is completed in the database. */
async function throughput(n: number) {
  if (!(n > 0)) throw new Error(`throughput expects a number of jobs > 0, got ${n}`);
  if ((await unfinished()) !== 0) throw new Error("the queue has unfinished jobs from before this round");
  handled = 0;
  const seen = new Promise<void>((wake) => (reached = { n, wake }));
  const t0 = performance.now();
  for (let sent = 0; sent < n; sent += CHUNK) {
    const size = Math.min(CHUNK, n - sent);
    await boss.insert(QUEUE, Array.from({ length: size }, (_, i) => ({ data: { i: sent + i } })));
  }
  const submitSeconds = (performance.now() - t0) / 1000;
  await seen;
  // The handler has seen the last job; its batch's completion is one statement behind.
  while ((await unfinished()) !== 0) await Bun.sleep(2);
  const seconds = (performance.now() - t0) / 1000;
  reached = null;
  return { jobs: n, seconds, per_s: n / seconds, submit_seconds: submitSeconds };
}

const version = (await import(args.module.replace(/dist\/index\.js$/, "package.json"), { with: { type: "json" } })).default.version as string;
process.stdout.write(`${JSON.stringify({ ready: true, pgboss: version, batch_size: BATCH, local_concurrency: CONCURRENCY })}\n`);
for await (const line of console) {
  const [command, arg] = line.trim().split(/\s+/);
  if (!command) continue;
  let answer: unknown;
  try {
    if (command !== "throughput") throw new Error(`unknown command ${command}; known: throughput`);
    answer = await throughput(Number(arg));
  } catch (error) {
    note(error instanceof Error ? (error.stack ?? error.message) : String(error));
    answer = { error: error instanceof Error ? error.message : String(error) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
await boss.stop({ graceful: false, wait: true });
process.exit(0);
