/**
 * Nothing runs twice across IO engine crashes (SPEC §1, §5): 5 × kill -9 of the IO engine,
 * 2 s apart, during 1,000 jobs whose handler appends its job id and attempt to a file.
 *
 * - no job whose handler finished runs again (each job id is in the file once): a result
 *   the engine received but had not committed is sent again by its worker after the
 *   reconnect, and applied once;
 * - exactly one `job.finished` per job reaches an SSE client that reconnects with
 *   Last-Event-ID after each kill (events are written in the commit that holds their change,
 *   and sent after it; the events table outlives the engine);
 * - a client hammering gaia.sock meanwhile, a new connection per request, never has a
 *   connection refused and never hangs: while no engine serves, the supervisor's responder
 *   answers 503 (the socket is the supervisor's for the whole run).
 */
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Gaia } from "./helpers/gaia.ts";
import { ReconnectingSse } from "./helpers/sse.ts";

/** One request on a fresh connection ("Connection: close"): its status, or how it failed. */
async function once(socket: string): Promise<number | "refused" | "cut" | "hang"> {
  return new Promise((resolve) => {
    let text = "";
    const timer = setTimeout(() => resolve("hang"), 5000);
    const done = (v: number | "refused" | "cut" | "hang") => (clearTimeout(timer), resolve(v));
    Bun.connect({
      unix: socket,
      socket: {
        open: (s) => void s.write("GET /v1/jobs?limit=1 HTTP/1.1\r\nHost: gaia\r\nConnection: close\r\n\r\n"),
        data: (_s, chunk) => void (text += new TextDecoder().decode(chunk)),
        close: () => done(/^HTTP\/1\.1 (\d{3})/.test(text) ? Number(RegExp.$1) : "cut"),
        error: () => done("cut"),
      },
    }).catch(() => done("refused"));
  });
}

const JOBS = 1000;
const KILLS = 5;
let gaia: Gaia;
afterAll(async () => gaia?.stop());

/** Any request, retried while the IO engine is away (refused, cut, or 503). */
async function persist<T>(what: string, call: () => Promise<{ status: number; body: T }>, ok = (s: number) => s < 500): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const reply = await call().catch(() => null);
    if (reply && ok(reply.status)) return reply.body;
    if (Date.now() > deadline) throw new Error(`${what}: no answer within 60 s (last: ${reply?.status})`);
    await Bun.sleep(50);
  }
}

test("5 kill -9s of the IO engine during 1,000 jobs: no finished handler runs again, one job.finished per job", async () => {
  gaia = await Gaia.start({
    config: { pools: [{ name: "default", size: 2, modules: [resolve(import.meta.dir, "fixtures/tasks.ts")] }], restart: { intensity: 100, backoff_max_ms: 200 } },
  });
  const trace = join(gaia.dir, "trace.txt");
  const sse = new ReconnectingSse(gaia.socket, "/v1/events");
  await gaia.until("the event stream to open", async () => sse.connections > 0);
  const jobs = Array.from({ length: JOBS }, (_, i) => ({ task: "test.slow_append", payload: { path: trace, line: `${i}`, ms: 12 } }));
  const ids: string[] = (await gaia.request("POST", "/v1/jobs/batch", { jobs })).body.ids;
  expect(ids.length).toBe(JOBS);

  const seen = { ok: 0, unavailable: 0, refused: 0, cut: 0, hang: 0, other: 0 };
  let hammering = true;
  const hammer = (async () => {
    while (hammering) {
      const r = await once(gaia.socket);
      if (r === 200) seen.ok++;
      else if (r === 503) seen.unavailable++;
      else if (r === "refused" || r === "cut" || r === "hang") seen[r]++;
      else seen.other++;
    }
  })();
  const ioPids: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    await Bun.sleep(2000);
    const status = await persist("status", () => gaia.request("GET", "/v1/status"));
    const pid = (status as { io: { pid: number } }).io.pid;
    ioPids.push(pid);
    process.kill(pid, "SIGKILL");
  }
  expect(new Set(ioPids).size).toBe(KILLS); // five different engines were killed
  await Bun.sleep(500);
  hammering = false;
  await hammer;
  console.log(`the hammering client: ${JSON.stringify(seen)}`);
  expect({ refused: seen.refused, hang: seen.hang, other: seen.other }).toEqual({ refused: 0, hang: 0, other: 0 });
  expect(seen.unavailable).toBeGreaterThan(0); // it did hit the gaps, and was answered in them
  // A request that was in flight on an engine when it was killed is cut: at most one a kill.
  expect(seen.cut).toBeLessThanOrEqual(KILLS);

  for (const id of ids) {
    await persist(`job ${id}`, () => gaia.request("GET", `/v1/jobs/${id}?wait=30`), (s) => s === 200).then((job: any) => {
      if (job.state !== "succeeded") throw new Error(`job ${id} ended ${job.state}: ${JSON.stringify(job.error)}`);
    });
  }
  // Every handler ran once: one line per job.
  const lines = readFileSync(trace, "utf8").trim().split("\n");
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1);
  if (twice.length) {
    for (const [line] of twice) console.log(JSON.stringify((await gaia.request("GET", `/v1/jobs/${ids[Number(line)]}`)).body));
    console.log(gaia.output.split("\n").filter((l) => !l.includes("] \u2713")).slice(-80).join("\n"));
  }
  expect(twice).toEqual([]);
  expect(counts.size).toBe(JOBS);

  // One job.finished per job reached the client, across its reconnections.
  await gaia.until("the last job.finished event", async () => new Set(sse.events.filter((e) => e.event === "job.finished").map((e) => e.data.data.job_id)).size >= JOBS, 30_000);
  sse.close();
  const finished = new Map<string, number>();
  for (const e of sse.events) if (e.event === "job.finished") finished.set(e.data.data.job_id, (finished.get(e.data.data.job_id) ?? 0) + 1);
  expect(ids.filter((id) => finished.get(id) !== 1)).toEqual([]);
  expect(sse.connections).toBeGreaterThan(KILLS); // it reconnected after each kill
}, 180_000);
