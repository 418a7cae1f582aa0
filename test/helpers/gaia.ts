/**
 * Starts the built binary (./gaia) on a temporary run dir and drives it over its socket.
 *
 * Every test gets its own folder under the system temp dir, so runs never share sockets or
 * journals. `stop()` ends only what this handle started (by pid: the supervisor, then any
 * child it listed in its registry) and removes the folder.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const BINARY = resolve(import.meta.dir, "../../gaia");

export type Reply<T = any> = { status: number; body: T; headers: Headers };

export type StartOptions = {
  /** The config, written as gaia.json in the temp dir (run_dir and data_dir default inside it). */
  config?: Record<string, unknown>;
  /** Extra files to write into the temp dir before starting (name → content). */
  files?: Record<string, string>;
  /** Reuse a folder (to start again after a stop); a fresh one otherwise. */
  dir?: string;
  waitReady?: boolean;
  /** Extra environment for gaia (GAIA_LOG_FORMAT, say). */
  env?: Record<string, string>;
  /** A command gaia runs under, such as `ip netns exec NS` (a host of a cluster test); it must exec gaia. */
  wrap?: string[];
};

export class Gaia {
  output = "";
  private constructor(
    readonly dir: string,
    readonly proc: Subprocess<"ignore", "pipe", "pipe">,
  ) {}

  get socket(): string {
    return join(this.dir, ".gaia/run/gaia.sock");
  }

  static async start(options: StartOptions = {}): Promise<Gaia> {
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), "gaia-test-"));
    for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, "gaia.json"), JSON.stringify({ pools: [{ name: "default", size: 2 }], ...options.config }));
    const proc = Bun.spawn([...(options.wrap ?? []), BINARY, "start", "--config", join(dir, "gaia.json")], {
      cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "pipe",
      env: { ...process.env, GAIA_CONFIG: undefined, GAIA_RUN_DIR: undefined, GAIA_DATA_DIR: undefined, ...options.env },
    });
    const gaia = new Gaia(dir, proc);
    void gaia.collect(proc.stdout);
    void gaia.collect(proc.stderr);
    if (options.waitReady !== false) await gaia.waitReady();
    return gaia;
  }

  private async collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.output += decoder.decode(chunk);
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const init: RequestInit & { unix: string } = { method, unix: this.socket, headers };
    if (body !== undefined) init.body = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
    const res = await fetch(`http://gaia${path}`, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  async waitReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`gaia exited with ${this.proc.exitCode} before ready:\n${this.output}`);
      try {
        if ((await this.request("GET", "/ready")).status === 200) return;
      } catch {}
      await Bun.sleep(20);
    }
    throw new Error(`gaia was not ready within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Polls `check` until it returns something other than undefined, null or false. */
  async until<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check().catch(() => undefined);
      if (value !== undefined && value !== null && value !== false) return value as T;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${this.output.slice(-3000)}`);
      await Bun.sleep(25);
    }
  }

  /** Waits until job `id` is running; returns the job. */
  async untilRunning(id: string): Promise<any> {
    return this.until(`job ${id} running`, async () => {
      const job = (await this.request("GET", `/v1/jobs/${id}`)).body;
      return job.state === "running" ? job : undefined;
    });
  }

  /** The workers table; empty while the IO engine is away (the supervisor's responder answers 503). */
  async workers(): Promise<any[]> {
    return (await this.request("GET", "/v1/workers")).body.workers ?? [];
  }

  /** The pids the registry lists (supervisor and children), read before stopping. */
  registryPids(): number[] {
    try {
      const reg = JSON.parse(readFileSync(join(this.dir, ".gaia/run/registry.json"), "utf8"));
      return [reg.supervisor.pid, ...reg.children.map((c: { pid: number }) => c.pid)];
    } catch {
      return [this.proc.pid];
    }
  }

  /** SIGTERM and wait for the exit code. */
  async terminate(): Promise<number> {
    this.proc.kill("SIGTERM");
    return await this.proc.exited;
  }

  /** Ends everything this handle started and removes its folder unless `keepDir`. */
  async stop(keepDir = false): Promise<void> {
    const pids = this.registryPids();
    if (this.proc.exitCode === null) {
      this.proc.kill("SIGTERM");
      const timer = setTimeout(() => this.proc.kill("SIGKILL"), 15_000);
      await this.proc.exited;
      clearTimeout(timer);
    }
    for (const pid of pids) killIfAlive(pid);
    if (!keepDir) {
      rmSync(this.dir, { recursive: true, force: true });
      // Array files of this run (named after its supervisor's pid) that a kill left behind.
      for (const file of shmFiles(`gaia-${this.proc.pid}p`)) rmSync(join("/dev/shm", file), { force: true });
    }
  }
}

/** The files in /dev/shm whose names start with `prefix`. */
export function shmFiles(prefix: string): string[] {
  return readdirSync("/dev/shm").filter((f) => f.startsWith(prefix));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {}
}

/** Waits until none of `pids` is alive (zombies of our own children count as gone). */
export async function allGone(pids: number[], timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pids.every((pid) => !isAlive(pid) || isZombie(pid))) return true;
    await Bun.sleep(25);
  }
  return false;
}

function isZombie(pid: number): boolean {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}
