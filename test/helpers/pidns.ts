/**
 * Starts the built binary as PID 1 of a new PID namespace, as a container's entrypoint runs:
 * `unshare --pid --fork --mount-proc ./gaia start --config F`. Only the PID (and mount, for
 * its own /proc) namespace is new, so the control socket in the temp dir is reachable from
 * here, and the namespace's processes are visible in this /proc under their host pids.
 *
 * `stop()` ends what it started, by pid: SIGKILL to the namespace's PID 1 makes the kernel
 * kill every process in it; then unshare, the temp dir and the run's /dev/shm files.
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { BINARY } from "./gaia.ts";

const UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc"];

export type Proc = { pid: number; ppid: number; state: string; startTime: number; comm: string };

/** Throws, saying why, when this machine does not let us make a PID namespace. */
export function requireUnshare(): void {
  const probe = Bun.spawnSync([...UNSHARE, "true"], { stdout: "pipe", stderr: "pipe" });
  if (probe.exitCode !== 0) {
    throw new Error(`cannot run gaia as PID 1 here: '${UNSHARE.join(" ")} true' exited ${probe.exitCode} (${probe.stderr.toString().trim()}); these tests need root or unprivileged user namespaces`);
  }
}

/** Every process in /proc with its parent, state and start time. */
export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" "); // field 3 (state) is fields[0]
      out.push({ pid: Number(name), comm: stat.slice(stat.indexOf("(") + 1, close), state: fields[0]!, ppid: Number(fields[1]), startTime: Number(fields[19]) });
    } catch {} // gone while we looked
  }
  return out;
}

export class PidNamespace {
  output = "";
  private constructor(
    readonly dir: string,
    readonly unshare: Subprocess<"ignore", "pipe", "pipe">,
  ) {}

  get socket(): string {
    return join(this.dir, ".gaia/run/gaia.sock");
  }

  static start(config: Record<string, unknown>, env: Record<string, string> = {}): PidNamespace {
    const dir = mkdtempSync(join(tmpdir(), "gaia-pid1-"));
    writeFileSync(join(dir, "gaia.json"), JSON.stringify(config));
    const unshare = Bun.spawn([...UNSHARE, BINARY, "start", "--config", join(dir, "gaia.json")], {
      cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "pipe",
      env: { ...process.env, GAIA_CONFIG: undefined, GAIA_RUN_DIR: undefined, GAIA_DATA_DIR: undefined, ...env },
    });
    const ns = new PidNamespace(dir, unshare);
    void ns.collect(unshare.stdout);
    void ns.collect(unshare.stderr);
    return ns;
  }

  private async collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.output += decoder.decode(chunk);
  }

  /** The namespace's processes: every descendant of unshare, found by their parents. */
  members(): Proc[] {
    const all = processes();
    const inside = new Set([this.unshare.pid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const p of all) if (inside.has(p.ppid) && !inside.has(p.pid)) (inside.add(p.pid), (grew = true));
    }
    return all.filter((p) => p.pid !== this.unshare.pid && inside.has(p.pid));
  }

  /** The host pid of the namespace's PID 1 (unshare's only child), or null before it forked. */
  initPid(): number | null {
    return processes().find((p) => p.ppid === this.unshare.pid)?.pid ?? null;
  }

  /**
   * Once gaia is ready: the supervisor as the host sees it (init's child, or PID 1 itself
   * when it runs without init duties), and the prefix of its run's /dev/shm files, named
   * after its pid inside the namespace and its start time.
   */
  async supervisor(): Promise<{ hostPid: number; nsPid: number; shmPrefix: string }> {
    const nsPid = (await this.request("GET", "/health")).body.pid as number;
    const init = processes().find((p) => p.ppid === this.unshare.pid);
    const sup = nsPid === 1 ? init : processes().find((p) => init && p.ppid === init.pid && p.comm !== "sleep");
    if (!sup) throw new Error(`no supervisor found in the namespace (PID 1 is ${init?.pid}):\n${this.output}`);
    return { hostPid: sup.pid, nsPid, shmPrefix: `gaia-${nsPid}p${sup.startTime}-` };
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const init: RequestInit & { unix: string } = { method, unix: this.socket };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(`http://gaia${path}`, init);
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  }

  /** Polls `check` until it gives something truthy; fails saying what it waited for. */
  async until<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.unshare.exitCode !== null) throw new Error(`gaia exited with ${this.unshare.exitCode} while waiting for ${what}:\n${this.output.slice(-3000)}`);
      const value = await Promise.resolve().then(check).catch(() => undefined);
      if (value) return value as T;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${this.output.slice(-3000)}`);
      await Bun.sleep(25);
    }
  }

  async waitReady(): Promise<void> {
    await this.until("gaia under unshare to answer /ready", async () => (await this.request("GET", "/ready")).status === 200);
  }

  /** unshare's exit code (that of the namespace's PID 1), or null if it did not end in time. */
  async exited(timeoutMs: number): Promise<number | null> {
    return Promise.race([this.unshare.exited, Bun.sleep(timeoutMs).then(() => null)]);
  }

  async stop(shmPrefix?: string | null): Promise<void> {
    if (this.unshare.exitCode === null) {
      const init = this.initPid();
      if (init !== null) kill(init);
      if ((await this.exited(10_000)) === null) kill(this.unshare.pid);
      await this.unshare.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
    if (shmPrefix) for (const f of readdirSync("/dev/shm")) if (f.startsWith(shmPrefix)) rmSync(join("/dev/shm", f), { force: true });
  }
}

/** The PID namespace of a process (`pid:[4026532…]`), or null when it is gone. */
export function pidNamespaceOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {}
}
