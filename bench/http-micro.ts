/**
 * The HTTP layer's hot path, alone: `POST /v1/jobs?wait=5` with a ~30-byte JSON body answered
 * with ~600 bytes of JSON, sequentially on one keep-alive Unix-socket connection, against
 *   (a) gaia's server (src/http/) serving a listening fd it inherits as fd 3, as the IO
 *       engine will, and
 *   (b) Bun.serve on a Unix socket,
 * each in a process of its own with the same trivial handler (read the body, answer canned
 * JSON). Rounds alternate A B A B so that drift in the machine's load hits both alike.
 * Prints p50 and p99 per-request latency of each and the ratio a/b.
 *
 *   bun bench/http-micro.ts [--requests N] [--rounds R]
 *
 * Not part of `npm test` or `npm run bench`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeFd, createListenSocket, serveHttp } from "../src/http/index.ts";
import { RawHttpClient } from "./http-client.ts";

const BODY = '{"task":"echo","payload":{"n":1}}';
const ANSWER = JSON.stringify({
  id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", task: "echo", pool: "default", state: "succeeded",
  payload: { n: 1 }, result: { n: 1 }, attempts: 1, max_attempts: 4, priority: 0,
  created_at: "2026-12-01T12:00:00.000Z", started_at: "2026-12-01T12:00:00.001Z", finished_at: "2026-12-01T12:00:00.002Z",
  worker: { id: "default-0", pid: 12345 }, execution_ms: 0.05, usage: { user_ms: 0, sys_ms: 0, max_rss_kb: 0 },
  note: "x".repeat(200),
});

async function handle(req: Request): Promise<Response> {
  await req.text();
  return new Response(ANSWER, { status: 200, headers: { "content-type": "application/json" } });
}

/** The server side: `--serve ours` on fd 3, or `--serve bun PATH`. */
async function serve(kind: string, path: string | undefined): Promise<void> {
  if (kind === "ours") await serveHttp({ fd: 3 }, handle);
  else Bun.serve({ unix: path!, fetch: handle, idleTimeout: 0 } as unknown as Parameters<typeof Bun.serve>[0]);
  console.log("ready");
  for await (const _ of Bun.stdin.stream());
  process.exit(0);
}

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

async function spawnServer(kind: "ours" | "bun", path: string, fd: number) {
  const cmd = [process.execPath, import.meta.path, "--serve", kind, ...(kind === "bun" ? [path] : [])];
  const proc = Bun.spawn(cmd, { stdio: ["pipe", "pipe", "inherit", ...(kind === "ours" ? [fd] : [])] });
  const reader = proc.stdout.getReader();
  await reader.read(); // "ready"
  reader.releaseLock();
  return proc;
}

async function round(path: string, n: number): Promise<number[]> {
  const client = await RawHttpClient.connect(path);
  for (let i = 0; i < 1000; i++) await client.request("POST", "/v1/jobs?wait=5", BODY); // warm up
  const lat = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = Bun.nanoseconds();
    const res = await client.request("POST", "/v1/jobs?wait=5", BODY);
    lat[i] = (Bun.nanoseconds() - t) / 1000;
    if (res.status !== 200) throw new Error(`request ${i}: status ${res.status}`);
  }
  client.close();
  return lat;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function main(): Promise<void> {
  const n = arg("--requests", 20_000);
  const rounds = arg("--rounds", 2);
  const dir = mkdtempSync(join(tmpdir(), "gaia-http-micro-"));
  const oursPath = join(dir, "ours.sock");
  const bunPath = join(dir, "bun.sock");
  const fd = createListenSocket(oursPath);
  const servers = [await spawnServer("ours", oursPath, fd), await spawnServer("bun", bunPath, fd)];
  const lat = { ours: [] as number[], bun: [] as number[] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [name, path] of [["ours", oursPath], ["bun", bunPath]] as const) {
        const got = await round(path, n);
        lat[name].push(...got);
        const sorted = [...got].sort((a, b) => a - b);
        console.log(`round ${r + 1} ${name.padEnd(4)} p50 ${pct(sorted, 0.5).toFixed(1)} µs  p99 ${pct(sorted, 0.99).toFixed(1)} µs`);
      }
    }
  } finally {
    for (const s of servers) s.stdin.end();
    await Promise.all(servers.map((s) => s.exited));
    closeFd(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  const ours = lat.ours.sort((a, b) => a - b);
  const bun = lat.bun.sort((a, b) => a - b);
  console.log(`\n${n} sequential keep-alive requests × ${rounds} rounds each, interleaved`);
  console.log(`gaia src/http (fd 3)  p50 ${pct(ours, 0.5).toFixed(1)} µs  p99 ${pct(ours, 0.99).toFixed(1)} µs`);
  console.log(`Bun.serve (unix)      p50 ${pct(bun, 0.5).toFixed(1)} µs  p99 ${pct(bun, 0.99).toFixed(1)} µs`);
  console.log(`ratio gaia/Bun        p50 ${(pct(ours, 0.5) / pct(bun, 0.5)).toFixed(2)}  p99 ${(pct(ours, 0.99) / pct(bun, 0.99)).toFixed(2)}`);
}

const at = process.argv.indexOf("--serve");
if (at >= 0) await serve(process.argv[at + 1]!, process.argv[at + 2]);
else await main();
