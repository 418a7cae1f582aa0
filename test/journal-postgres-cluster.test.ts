/**
 * What only the PostgreSQL journal does (SPEC §13), against a real server of this file's
 * own (test/helpers/postgres.ts): concurrent claimers never share a job, priority then age,
 * the attempt fence, lease lapse and rescue, LISTEN/NOTIFY, a server restart in mid-use,
 * concurrent opens upgrading once, and clear errors for a wrong password or no server.
 */
import { expect, test } from "bun:test";
import type { Job } from "../src/io/job.ts";
import { PgJournal } from "../src/io/journal/pg-journal.ts";
import { PG_MIGRATIONS } from "../src/io/journal/pg-migrations.ts";
import { ClusterJournalError } from "../src/io/journal/pg-url.ts";
import { rescueByRetryPolicy } from "../src/io/journal/rescue-policy.ts";
import { makeJob } from "./helpers/jobs.ts";
import { pgNodes, sqlFor } from "./helpers/journals.ts";

const pg = pgNodes("cluster", 4);
/** A fresh database, and `count` journals on it (each its own pool of connections, as nodes have). */
const journals = (count: number) => pg.nodes(count);

async function column(url: string, query: string): Promise<unknown[]> {
  const sql = sqlFor(url);
  const rows = await sql.unsafe(query);
  await sql.close();
  return rows.map((r: Record<string, unknown>) => Object.values(r)[0]);
}

test("claimers on two nodes, four connections each, never take the same job", async () => {
  const { url, js } = await journals(2);
  const jobs = Array.from({ length: 400 }, (_, i) => makeJob({ pool: i % 2 ? "a" : "b", priority: i % 3 }));
  await js[0]!.insert(jobs);
  const taken = new Map<string, string[]>();
  const claimer = async (j: PgJournal, node: string) => {
    for (;;) {
      const got = await j.claim(node, ["a", "b"], 7);
      if (got.length === 0) return;
      for (const job of got) taken.set(job.id, [...(taken.get(job.id) ?? []), node]);
    }
  };
  await Promise.all(js.flatMap((j, k) => Array.from({ length: 4 }, () => claimer(j, `n${k}`))));
  expect(taken.size).toBe(400);
  expect([...taken.values()].filter((nodes) => nodes.length !== 1)).toEqual([]);
  expect(await column(url, `SELECT DISTINCT attempts FROM jobs`)).toEqual([1]);
  expect(await column(url, `SELECT COUNT(*)::int FROM jobs WHERE state = 'running' AND node IN ('n0', 'n1')`)).toEqual([400]);
  expect(new Set(await column(url, `SELECT DISTINCT node FROM jobs`))).toEqual(new Set(["n0", "n1"]));
});

test("a claim skips a job another transaction has locked instead of waiting for it", async () => {
  const { url, js } = await journals(1);
  const [locked, free] = [makeJob({ priority: 9 }), makeJob()];
  await js[0]!.insert([locked!, free!]);
  const other = sqlFor(url);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let lockTaken!: () => void;
  const taken = new Promise<void>((resolve) => (lockTaken = resolve));
  const holder = other.begin(async (tx) => {
    await tx`SELECT id FROM jobs WHERE id = ${locked!.id} FOR UPDATE`;
    lockTaken();
    await held;
  });
  await taken;
  // Were the claim to wait on the lock, it would not resolve before `release()`.
  expect((await js[0]!.claim("n1", ["default"], 5)).map((x) => x.id)).toEqual([free!.id]);
  release();
  await holder;
  await other.close();
  expect((await js[0]!.claim("n1", ["default"], 5)).map((x) => x.id)).toEqual([locked!.id]);
});

test("a claim takes higher priority first, then the oldest; only its pools, only jobs whose not_before has passed", async () => {
  const { js } = await journals(1);
  const j = js[0]!;
  const now = 1_800_000_000_000;
  const [low1, high1, low2, high2, mid, other, later] = [
    makeJob({ priority: 0 }), makeJob({ priority: 5 }), makeJob({ priority: 0 }), makeJob({ priority: 5 }),
    makeJob({ priority: 2 }), makeJob({ pool: "other", priority: 9 }), makeJob({ priority: 9, not_before: now + 1 }),
  ];
  await j.insert([low1!, high1!, low2!, high2!, mid!, other!, later!]);
  const first = await j.claim("n1", ["default"], 2, now);
  expect(first.map((x) => x.id)).toEqual([high1!.id, high2!.id]);
  expect(first[0]).toMatchObject({ state: "running", attempts: 1, started_at: now });
  const one = async () => (await j.claim("n1", ["default"], 1, now)).map((x) => x.id);
  expect([await one(), await one(), await one(), await one()]).toEqual([[mid!.id], [low1!.id], [low2!.id], []]);
  expect((await j.claim("n1", ["default"], 5, now + 1)).map((x) => x.id)).toEqual([later!.id]);
  expect(await j.claim("n1", [], 5, now)).toEqual([]);
  expect((await j.get(other!.id))?.state).toBe("queued");
});

test("the fence: a write applies only for the node and attempt that hold the job", async () => {
  const { js } = await journals(1);
  const j = js[0]!;
  await j.insert([makeJob()]);
  const [job] = await j.claim("n1", ["default"], 1);
  expect(job!.attempts).toBe(1);
  expect(await j.transition({ ...job!, progress: { fraction: 0.5, message: null } }, 1, "n2")).toBe(false);
  expect(await j.transition({ ...job!, progress: { fraction: 0.5, message: null } }, 2, "n1")).toBe(false);
  expect(await j.transition({ ...job!, progress: { fraction: 0.5, message: null } }, 1, "n1")).toBe(true);
  // n1 loses the job (a retry puts it back), n2 takes it as attempt 2.
  const retry: Job = { ...job!, state: "queued", worker: null };
  expect(await j.transition(retry, 1, "n1")).toBe(true);
  const [again] = await j.claim("n2", ["default"], 1);
  expect(again).toMatchObject({ id: job!.id, attempts: 2 });
  // n1's late result for attempt 1 is ignored; n2's stands.
  expect(await j.transition({ ...job!, state: "succeeded", result: "late", finished_at: 1 }, 1, "n1")).toBe(false);
  expect(await j.transition({ ...again!, state: "succeeded", result: "n2's", finished_at: 2 }, 2, "n2")).toBe(true);
  expect(await j.get(job!.id)).toMatchObject({ state: "succeeded", result: "n2's", attempts: 2 });
});

test("a node whose lease lapsed is rescued: its jobs follow their retry policy, the node named; a renewed node keeps its own", async () => {
  const { url, js } = await journals(2);
  const [a, b] = js as [PgJournal, PgJournal];
  const t = 1_900_000_000_000;
  expect(await a.renewLease("n1", 10, { pools: ["default"] }, t)).toEqual({ name: "n1", lease_until: t + 10_000, renewed_at: t, info: { pools: ["default"] } });
  await b.renewLease("n2", 10, { pools: ["default"] }, t);
  const spent = makeJob({ attempts: 3 }); // its next claim is attempt 4: its retries are spent
  await a.insert([makeJob(), makeJob(), spent, makeJob()]);
  const mine = await a.claim("n1", ["default"], 3, t);
  const theirs = await b.claim("n2", ["default"], 1, t);
  // Begun: a worker of n1 has each (a claimed job no worker began is requeued uncounted, below).
  for (const job of mine) expect(await a.transition({ ...job, worker: { id: "w", pid: 1 } }, job.attempts, "n1")).toBe(true);
  expect(await a.lapsed(t + 5_000)).toEqual([]);
  await b.renewLease("n2", 10, {}, t + 9_000);
  expect((await b.lapsed(t + 11_000)).map((l) => l.name)).toEqual(["n1"]);

  const wakes: string[][] = [];
  let wake!: () => void;
  const woken = new Promise<void>((resolve) => (wake = resolve));
  await b.listen((pools) => (wakes.push(pools), wake()));
  const decide = rescueByRetryPolicy(() => 1);
  const rescued = await b.rescue("n1", decide, t + 11_000);
  expect(rescued.sort()).toEqual(mine.map((x) => x.id).sort());
  expect(await b.rescue("n1", decide, t + 11_000)).toEqual([]); // once only
  expect(await b.rescue("n2", decide, t + 11_000)).toEqual([]); // renewed: alive
  const after = await Promise.all(mine.map((x) => b.get(x.id)));
  for (const job of after) {
    expect(job!.error).toEqual({ type: "worker_lost", message: `node n1 stopped renewing its lease while it ran attempt ${job!.attempts} of this job` });
    if (job!.id === spent.id) expect(job).toMatchObject({ state: "failed", attempts: 4, finished_at: t + 11_000 });
    else expect(job).toMatchObject({ state: "queued", attempts: 1, not_before: t + 11_000 });
  }
  expect(await column(url, `SELECT node FROM jobs WHERE state = 'queued'`)).toEqual([null, null]);
  expect((await b.get(theirs[0]!.id))?.state).toBe("running");
  await woken;
  expect(wakes).toContainEqual(["default"]);
  // The dead node's late writes are fenced off; the rescued jobs run again elsewhere.
  expect(await a.transition({ ...mine[0]!, state: "succeeded", finished_at: 1 }, 1, "n1")).toBe(false);
  expect((await b.claim("n2", ["default"], 5, t + 12_001)).map((x) => x.id).sort()).toEqual(mine.filter((x) => x.id !== spent.id).map((x) => x.id).sort());
});

test("an insert wakes listeners on every node with its pools, once committed", async () => {
  const { js } = await journals(2);
  let heard!: (pools: string[]) => void;
  const pools = new Promise<string[]>((resolve) => (heard = resolve));
  await js[1]!.listen((p) => heard(p)); // resolves once the server acknowledged the LISTEN
  await js[0]!.insert([makeJob({ pool: "gpu" }), makeJob({ pool: "cpu" }), makeJob({ pool: "gpu" })]);
  expect((await pools).sort()).toEqual(["cpu", "gpu"]);
});

test("nodes that open the journal together upgrade its schema once", async () => {
  const { url, js } = await journals(4);
  const latest = PG_MIGRATIONS.length;
  expect(js.map((j) => j.migrated.from).sort()).toEqual([0, latest, latest, latest]);
  expect(await column(url, `SELECT version FROM schema_version ORDER BY version`)).toEqual(PG_MIGRATIONS.map((m) => m.version));
});

test("a server restart in mid-use: the journal reconnects, listeners too, and nothing committed is lost", async () => {
  const { js } = await journals(1);
  const j = js[0]!;
  const before = Array.from({ length: 50 }, () => makeJob());
  await j.insert(before);
  let heard = 0;
  await j.listen(() => heard++);
  await pg.server.down();
  await expect(j.counts()).rejects.toThrow();
  await pg.server.up();
  expect((await j.counts()).queued).toBe(50);
  expect(await j.get(before[49]!.id)).toEqual(before[49]!);
  await j.insert(Array.from({ length: 50 }, () => makeJob()));
  expect((await j.claim("n1", ["default"], 100)).length).toBe(100);
  // The listening connection comes back on its own (with backoff): a later insert is heard.
  const heardBefore = heard;
  while (heard === heardBefore) {
    await j.insert([makeJob({ pool: "late" })]);
    await Bun.sleep(100);
  }
  expect((await j.counts()).running).toBe(100);
});

test("a wrong password, no server, or no such database: a clear error that never shows the password", async () => {
  const password = /:([0-9a-f]{32})@/.exec(pg.server.url)![1]!;
  const wrong = pg.server.url.replace(password, "not-the-password");
  const err = (await PgJournal.open(wrong, { connectTimeoutS: 5 }).catch((e: unknown) => e)) as Error;
  expect(err).toBeInstanceOf(ClusterJournalError);
  expect(err.message).toStartWith(`cannot log in to the cluster journal at postgres://gaia_test:***@127.0.0.1:${pg.server.port}/gaia_test: `);
  expect(err.message).toContain("password authentication failed");
  expect(err.message).not.toContain("not-the-password");

  const none = (await PgJournal.open("postgres://someone:s3cret@127.0.0.1:1/db", { connectTimeoutS: 5 }).catch((e: unknown) => e)) as Error;
  expect(none).toBeInstanceOf(ClusterJournalError);
  expect(none.message).toBe("cannot reach the cluster journal at postgres://someone:***@127.0.0.1:1/db: connection refused (is PostgreSQL running there, and listening on that address and port?)");

  const mysql = (await PgJournal.open("mysql://root:s3cret@127.0.0.1/db").catch((e: unknown) => e)) as Error;
  expect(mysql).toBeInstanceOf(ClusterJournalError);
  expect(mysql.message).toStartWith("cluster.url: expected a postgres:// or postgresql:// URL");
  expect(mysql.message).toEndWith('got mysql://root:***@127.0.0.1/db');

  const nodb = (await PgJournal.open(pg.server.url.replace(/\/gaia_test$/, "/no_such_db")).catch((e: unknown) => e)) as Error;
  expect(nodb.message).toContain("no_such_db");
  expect(nodb.message).toContain("does not exist");
  expect(nodb.message).not.toContain(password);
});

test("the URL's database is the journal's, whatever PGDATABASE says", async () => {
  const url = await pg.database();
  process.env.PGDATABASE = "postgres";
  try {
    const j = await pg.open(url, {}); // the default pool size
    const job = makeJob();
    await j.insert([job]);
    expect(await column(url, `SELECT id FROM jobs`)).toEqual([job.id]);
  } finally {
    delete process.env.PGDATABASE;
  }
});

test("a dead node's job that it took and never began goes back to the queue uncounted, even with no retries", async () => {
  const { js } = await journals(1);
  const j = js[0] as PgJournal;
  const t = 1_900_000_000_000;
  await j.renewLease("n1", 10, {}, t);
  const job = makeJob({ retries: { max: 0, on: ["worker_lost"], backoff_s: 1, factor: 2, max_backoff_s: 60 }, max_attempts: 1 });
  await j.insert([job]);
  expect(await j.claim("n1", ["default"], 1, t)).toMatchObject([{ id: job.id, attempts: 1, worker: null }]);
  expect(await j.rescue("n1", rescueByRetryPolicy(), t + 11_000)).toEqual([job.id]);
  expect(await j.get(job.id)).toMatchObject({ state: "queued", attempts: 0, error: null, started_at: null });
  expect(await j.claim("n2", ["default"], 1, t + 11_000)).toMatchObject([{ id: job.id, attempts: 1 }]);
});
