/**
 * Restart latency: `kill -9` of a child until its replacement is ready, one kill per call of a
 * runner's `kill()`, so that a section can interleave runners kill by kill. Each runner starts
 * `children` children and kills each once, so every kill takes a runner's first-crash path
 * (gaia backs off on repeated crashes of one worker, by design).
 *
 *   gaia        a pool of Bun or Python workers; ready = the replacement's hello, seen in
 *               /v1/workers (state idle, a new pid)
 *   PM2         a Python child each; ready = the new child connects to a socket here and says
 *               its pid
 *   supervisord the same
 *
 * PM2 comes from the npm registry into bench/.peers; supervisord from Debian's `supervisor`
 * package (installed with apt-get when missing, which needs root). A peer that cannot be
 * had is reported as missing, not guessed.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { startGaia, stopGaia, untilWorkers } from "./gaia-side.ts";

export const CHILD_PY = "import os, socket, sys, time\ns = socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\ns.sendall(f'{os.getpid()}\\n'.encode())\nwhile True:\n    time.sleep(3600)\n";

/** Kills one child that was never killed; resolves with the ms until its replacement was ready. */
export type Runner = { kill(): Promise<number>; stop(): Promise<void> };
export type Missing = { missing: string };

/** After each kill, time for the restart's aftermath to settle before the next measure. */
const SETTLE_MS = 200;

/** A socket that children announce their pid on; `next(n)` waits for the n-th announcement. */
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

/** Kills the first-announced children one by one, each measured until the next announcement. */
function announcedRunner(first: number[], announced: Awaited<ReturnType<typeof announcements>>, stop: () => Promise<void>): Runner {
  let i = 0;
  return {
    async kill() {
      const pid = first[i++];
      if (pid === undefined) throw new Error("bench: every child was killed once already");
      const seen = announced.pids.length;
      const t0 = performance.now();
      process.kill(pid, "SIGKILL");
      const next = await announced.next(seen + 1);
      await Bun.sleep(SETTLE_MS);
      return next.at - t0;
    },
    stop,
  };
}

/** gaia with a pool of `children` workers (Python ones run `module` when given). */
export async function gaiaRunner(runtime: "bun" | "python", children: number, module?: string): Promise<Runner> {
  const pool = runtime === "bun" ? { name: "w", size: children } : { name: "w", runtime: "python", python: VENV_PYTHON, size: children, ...(module ? { modules: ["tasks.py"] } : {}) };
  const g = await startGaia(children, [pool], { files: module ? { "tasks.py": module } : {} });
  const victims = await untilWorkers(g, "every worker ready", (ws) => ws.length === children && ws.every((w) => w.state === "idle") && ws);
  let i = 0;
  return {
    async kill() {
      const before = victims[i++];
      if (!before) throw new Error("bench: every worker was killed once already");
      const t0 = performance.now();
      process.kill(before.pid, "SIGKILL");
      await untilWorkers(g, `${before.id}'s replacement`, (ws) => ws.some((w) => w.id === before.id && w.pid !== before.pid && w.state === "idle"));
      const ms = performance.now() - t0;
      await Bun.sleep(SETTLE_MS);
      return ms;
    },
    stop: () => stopGaia(g),
  };
}

function ensurePm2(peers: string): string | null {
  const bin = join(peers, "node_modules/.bin/pm2");
  if (existsSync(bin)) return bin;
  mkdirSync(peers, { recursive: true });
  const npm = Bun.spawnSync(["npm", "install", "--prefix", peers, "--no-audit", "--no-fund", "pm2@7"], { stdout: "inherit", stderr: "inherit" });
  return npm.success && existsSync(bin) ? bin : null;
}

/** PM2 (its own PM2_HOME under `dir`) running `children` Python children. */
export async function pm2Runner(dir: string, peers: string, children: number): Promise<Runner | Missing> {
  const pm2 = ensurePm2(peers);
  if (!pm2) return { missing: "pm2 could not be installed from the npm registry" };
  writeFileSync(join(dir, "child.py"), CHILD_PY);
  const env = { ...process.env, PM2_HOME: join(dir, "pm2-home") };
  const announced = await announcements(join(dir, "pm2.sock"));
  const stop = async () => {
    Bun.spawnSync([pm2, "kill"], { env, stdout: "ignore", stderr: "ignore" });
    announced.stop();
  };
  try {
    for (let i = 0; i < children; i++) {
      Bun.spawnSync([pm2, "start", join(dir, "child.py"), "--name", `child-${i}`, "--interpreter", "python3", "--", join(dir, "pm2.sock")], { env, stdout: "ignore", stderr: "ignore" });
    }
    await announced.next(children);
  } catch (error) {
    await stop();
    throw error;
  }
  return announcedRunner(announced.pids.slice(0, children).map((p) => p.pid), announced, stop);
}

function ensureSupervisord(): string | null {
  const found = Bun.which("supervisord");
  if (found) return found;
  if (process.getuid?.() !== 0) return null;
  Bun.spawnSync(["apt-get", "update", "-qq"], { stdout: "ignore", stderr: "ignore" });
  Bun.spawnSync(["apt-get", "install", "-y", "-qq", "supervisor"], { stdout: "ignore", stderr: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return Bun.which("supervisord");
}

/** supervisord (in the foreground, files under `dir`) running `children` Python children. */
export async function supervisordRunner(dir: string, children: number): Promise<Runner | Missing> {
  const supervisord = ensureSupervisord();
  if (!supervisord) return { missing: "supervisord (Debian package supervisor) is not installed and could not be" };
  writeFileSync(join(dir, "child.py"), CHILD_PY);
  const sock = join(dir, "sv.sock");
  const programs = Array.from({ length: children }, (_, i) =>
    `[program:child-${i}]\ncommand=python3 ${join(dir, "child.py")} ${sock}\nautorestart=true\nstartsecs=0\nstartretries=100\n`,
  ).join("\n");
  writeFileSync(join(dir, "supervisord.conf"), `[supervisord]\nnodaemon=true\nlogfile=${join(dir, "sv.log")}\npidfile=${join(dir, "sv.pid")}\n\n${programs}`);
  const announced = await announcements(sock);
  const proc = Bun.spawn([supervisord, "-c", join(dir, "supervisord.conf")], { stdout: "ignore", stderr: "ignore" });
  const stop = async () => {
    proc.kill("SIGTERM");
    await proc.exited;
    announced.stop();
  };
  try {
    await announced.next(children);
  } catch (error) {
    await stop();
    throw error;
  }
  return announcedRunner(announced.pids.slice(0, children).map((p) => p.pid), announced, stop);
}
