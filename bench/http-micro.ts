/**
 * The HTTP layer's hot path, alone: `POST /v1/jobs?wait=5` with a ~30-byte JSON body answered
 * with ~600 bytes of JSON, sequentially on one keep-alive Unix-socket connection, against
 *   (a) gaia's server (src/http/) serving a listening fd it inherits as fd 3, as the IO
 *       engine will, and
 *   (b) Bun.serve on a Unix socket,
 * each in a process of its own with the same trivial handler (read the body, answer canned
 * JSON with `new Response`), and
 *   (c) gaia's server again, its handler answering with `sizedResponse` (the opt-in path that
 *       skips reading the Response's body stream).
 * Rounds alternate A B C A B C so that drift in the machine's load hits each alike. Prints
 * p50 and p99 per-request latency of each and the ratios to Bun.serve.
 *
 *   bun bench/http-micro.ts [--requests N] [--rounds R]
 *
 * Not part of `npm test` or `npm run bench`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeFd, createListenSocket, serveHttp, sizedResponse } from "../src/http/index.ts";
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

async function handleSized(req: Request): Promise<Response> {
  await req.text();
  return sizedResponse(ANSWER, { status: 200, headers: { "content-type": "application/json" } });
}

/** The server side: `--serve ours|sized` on fd 3, or `--serve bun PATH`. */
async function serve(kind: string, path: string | undefined): Promise<void> {
  if (kind === "ours" || kind === "sized") await serveHttp({ fd: 3 }, kind === "ours" ? handle : handleSized);
  else Bun.serve({ unix: path!, fetch: handle, idleTimeout: 0 } as unknown as Parameters<typeof Bun.serve>[0]);
  console.log("ready");
  for await (const _ of Bun.stdin.stream());
  process.exit(0);
}

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

type Kind = "ours" | "bun" | "sized";

async function spawnServer(kind: Kind, path: string, fd: number) {
  const cmd = [process.execPath, import.meta.path, "--serve", kind, ...(kind === "bun" ? [path] : [])];
  const proc = Bun.spawn(cmd, { stdio: ["pipe", "pipe", "inherit", ...(kind === "bun" ? [] : [fd])] });
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
  const paths: Record<Kind, string> = { ours: join(dir, "ours.sock"), bun: join(dir, "bun.sock"), sized: join(dir, "sized.sock") };
  const fds = { ours: createListenSocket(paths.ours), sized: createListenSocket(paths.sized) };
  const kinds: Kind[] = ["ours", "bun", "sized"];
  const servers = await Promise.all(kinds.map((k) => spawnServer(k, paths[k], k === "bun" ? -1 : fds[k])));
  const lat: Record<Kind, number[]> = { ours: [], bun: [], sized: [] };
  const roundP50: Record<Kind, number[]> = { ours: [], bun: [], sized: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const k of kinds) {
        const got = await round(paths[k], n);
        lat[k].push(...got);
        const sorted = [...got].sort((a, b) => a - b);
        roundP50[k].push(pct(sorted, 0.5));
        console.log(`round ${r + 1} ${k.padEnd(5)} p50 ${pct(sorted, 0.5).toFixed(1)} µs  p99 ${pct(sorted, 0.99).toFixed(1)} µs`);
      }
    }
  } finally {
    for (const s of servers) s.stdin.end();
    await Promise.all(servers.map((s) => s.exited));
    closeFd(fds.ours);
    closeFd(fds.sized);
    rmSync(dir, { recursive: true, force: true });
  }
  const [ours, bun, sized] = kinds.map((k) => lat[k].sort((a, b) => a - b)) as [number[], number[], number[]];
  const line = (name: string, xs: number[]) => `${name.padEnd(34)} p50 ${pct(xs, 0.5).toFixed(1)} µs  p99 ${pct(xs, 0.99).toFixed(1)} µs`;
  const ratio = (xs: number[]) => `p50 ${(pct(xs, 0.5) / pct(bun, 0.5)).toFixed(2)}  p99 ${(pct(xs, 0.99) / pct(bun, 0.99)).toFixed(2)}`;
  console.log(`\n${n} sequential keep-alive requests × ${rounds} rounds each, interleaved`);
  console.log(line("(a) gaia src/http, fd 3, Response", ours));
  console.log(line("(b) Bun.serve, unix", bun));
  console.log(line("(c) gaia src/http, sizedResponse", sized));
  console.log(`ratio a/b ${ratio(ours)};  c/b ${ratio(sized)}`);
  // On a shared machine one busy round skews the pooled figures; the median round resists it.
  const mid = (k: Kind) => [...roundP50[k]].sort((a, b) => a - b)[roundP50[k].length >> 1]!;
  console.log(`median of the rounds' p50: a ${mid("ours").toFixed(1)} µs, b ${mid("bun").toFixed(1)} µs, c ${mid("sized").toFixed(1)} µs; a/b ${(mid("ours") / mid("bun")).toFixed(2)}, c/b ${(mid("sized") / mid("bun")).toFixed(2)}`);
}

const at = process.argv.indexOf("--serve");
if (at >= 0) await serve(process.argv[at + 1]!, process.argv[at + 2]);
else await main();
