/**
 * Restart latency (issue 6): `kill -9` of a child until its replacement is ready, for gaia's
 * Bun and Python workers (ready = its hello, seen in /v1/workers) and for a Python child
 * under PM2 and under supervisord (ready = the new child connects to a socket here and says
 * its pid). Five children each, each killed once, so every runner's first-crash path is
 * measured (gaia backs off on repeated crashes of one worker, by design).
 *
 * PM2 comes from the npm registry into bench/.peers; supervisord from Debian's `supervisor`
 * package (installed with apt-get when missing, which needs root). A peer that cannot be
 * had is reported as missing, not guessed.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { percentile, startGaia, stopGaia } from "./gaia-side.ts";

const CHILDREN = 5;
const CHILD_PY = "import os, socket, sys, time\ns = socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\ns.sendall(f'{os.getpid()}\\n'.encode())\nwhile True:\n    time.sleep(3600)\n";

type Figures = { p50: number; samples: number[] } | { missing: string };

/** A socket that children announce their pid on; `next(pid)` waits for a pid other than it. */
async function announcements(path: string) {
  const pids: { pid: number; at: number }[] = [];
  const server = Bun.listen({ unix: path, socket: { data: (_s, d) => void pids.push({ pid: Number(d.toString().trim()), at: performance.now() }) } });
  const next = async (count: number, timeoutMs = 30_000) => {
    const deadline = performance.now() + timeoutMs;
    while (pids.length < count && performance.now() < deadline) await Bun.sleep(1);
    if (pids.length < count) throw new Error(`bench: expected ${count} announcements, got ${pids.length}`);
    return pids[count - 1]!;
  };
  return { pids, next, stop: () => server.stop(true) };
}

async function killEach(pidsOf: () => number[], announced: Awaited<ReturnType<typeof announcements>>): Promise<number[]> {
  const samples: number[] = [];
  for (const pid of pidsOf()) {
    const seen = announced.pids.length;
    const t0 = performance.now();
    process.kill(pid, "SIGKILL");
    const next = await announced.next(seen + 1);
    samples.push(next.at - t0);
    await Bun.sleep(200);
  }
  return samples;
}

async function gaiaRestarts(runtime: "bun" | "python"): Promise<Figures> {
  const pool = runtime === "bun" ? { name: "w", size: CHILDREN } : { name: "w", runtime: "python", python: VENV_PYTHON, size: CHILDREN };
  const g = await startGaia(CHILDREN, [pool]);
  const workers = async () => ((await (await fetch("http://gaia/v1/workers", { unix: g.socket } as RequestInit)).json()) as { workers: any[] }).workers;
  const samples: number[] = [];
  try {
    for (const before of await workers()) {
      const t0 = performance.now();
      process.kill(before.pid, "SIGKILL");
      for (;;) {
        const now = (await workers()).find((w) => w.id === before.id);
        if (now && now.pid !== before.pid && now.state === "idle") break;
        await Bun.sleep(0.5);
      }
      samples.push(performance.now() - t0);
    }
  } finally {
    await stopGaia(g);
  }
  return summary(samples);
}

function ensurePm2(peers: string): string | null {
  const bin = join(peers, "node_modules/.bin/pm2");
  if (existsSync(bin)) return bin;
  mkdirSync(peers, { recursive: true });
  const npm = Bun.spawnSync(["npm", "install", "--prefix", peers, "--no-audit", "--no-fund", "pm2@7"], { stdout: "inherit", stderr: "inherit" });
  return npm.success && existsSync(bin) ? bin : null;
}

async function pm2Restarts(dir: string, peers: string): Promise<Figures> {
  const pm2 = ensurePm2(peers);
  if (!pm2) return { missing: "pm2 could not be installed from the npm registry" };
  const env = { ...process.env, PM2_HOME: join(dir, "pm2-home") };
  const announced = await announcements(join(dir, "pm2.sock"));
  try {
    for (let i = 0; i < CHILDREN; i++) {
      Bun.spawnSync([pm2, "start", join(dir, "child.py"), "--name", `child-${i}`, "--interpreter", "python3", "--", join(dir, "pm2.sock")], { env, stdout: "ignore", stderr: "ignore" });
    }
    await announced.next(CHILDREN);
    const first = announced.pids.slice(0, CHILDREN).map((p) => p.pid);
    return summary(await killEach(() => first, announced));
  } finally {
    Bun.spawnSync([pm2, "kill"], { env, stdout: "ignore", stderr: "ignore" });
    announced.stop();
  }
}

function ensureSupervisord(): string | null {
  const found = Bun.which("supervisord");
  if (found) return found;
  if (process.getuid?.() !== 0) return null;
  Bun.spawnSync(["apt-get", "update", "-qq"], { stdout: "ignore", stderr: "ignore" });
  Bun.spawnSync(["apt-get", "install", "-y", "-qq", "supervisor"], { stdout: "ignore", stderr: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return Bun.which("supervisord");
}

async function supervisordRestarts(dir: string): Promise<Figures> {
  const supervisord = ensureSupervisord();
  if (!supervisord) return { missing: "supervisord (Debian package supervisor) is not installed and could not be" };
  const sock = join(dir, "sv.sock");
  const programs = Array.from({ length: CHILDREN }, (_, i) =>
    `[program:child-${i}]\ncommand=python3 ${join(dir, "child.py")} ${sock}\nautorestart=true\nstartsecs=0\nstartretries=100\n`,
  ).join("\n");
  writeFileSync(join(dir, "supervisord.conf"), `[supervisord]\nnodaemon=true\nlogfile=${join(dir, "sv.log")}\npidfile=${join(dir, "sv.pid")}\n\n${programs}`);
  const announced = await announcements(sock);
  const proc = Bun.spawn([supervisord, "-c", join(dir, "supervisord.conf")], { stdout: "ignore", stderr: "ignore" });
  try {
    await announced.next(CHILDREN);
    const first = announced.pids.slice(0, CHILDREN).map((p) => p.pid);
    return summary(await killEach(() => first, announced));
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
    announced.stop();
  }
}

function summary(samples: number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), samples };
}

export async function restartFigures() {
  const dir = mkdtempSync(join(tmpdir(), "gaia-restart-"));
  writeFileSync(join(dir, "child.py"), CHILD_PY);
  try {
    return {
      gaia_bun: await gaiaRestarts("bun"),
      gaia_python: await gaiaRestarts("python"),
      pm2: await pm2Restarts(dir, join(import.meta.dir, ".peers")),
      supervisord: await supervisordRestarts(dir),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(JSON.stringify(await restartFigures(), null, 2));
