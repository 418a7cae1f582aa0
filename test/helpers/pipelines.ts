/**
 * A session runtime on a temporary run dir, with node processes spawned by a LocalLauncher
 * (no supervisor): what the pipeline tests drive. `stop()` ends what it started: sessions are
 * terminated, any process left is SIGKILLed by pid, the folder and this instance's session
 * files in /dev/shm are removed.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sweepPrefix } from "../../src/arrays/files.ts";
import { instanceId } from "../../src/arrays/names.ts";
import { startTime } from "../../src/lib/proc.ts";
import { LocalLauncher } from "../../src/io/pipelines/local-launcher.ts";
import { SessionRuntime } from "../../src/io/pipelines/runtime.ts";
import type { PipelineDefinition } from "../../src/io/pipelines/schema.ts";
import type { Session } from "../../src/io/pipelines/session.ts";

export const ROOT = resolve(import.meta.dir, "../..");
export const PY = join(ROOT, ".venv/bin/python");
export const TS_NODES = join(ROOT, "test/fixtures/pipeline_nodes.ts");
export const PY_NODES = join(ROOT, "test/fixtures/pipeline_nodes.py");
export const SHM = "/dev/shm";

export type Harness = {
  runtime: SessionRuntime;
  launcher: LocalLauncher;
  dir: string;
  instance: string;
  stop(): Promise<void>;
};

export async function startRuntime(options: { pipelines?: PipelineDefinition[]; echo?: boolean } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "gaia-pl-"));
  const secret = crypto.randomUUID();
  // This test process's real instance id: a gaia started meanwhile (other suites share this
  // /dev/shm) sweeps the files of dead instances only, and this one is alive. One harness at
  // a time per process: the runtime's start-up sweep removes this instance's session files.
  const instance = instanceId(process.pid, startTime(process.pid) ?? 0);
  const env = { ...process.env };
  delete env.GAIA_LOG_FORMAT;
  const launcher = new LocalLauncher(secret, options.echo ? (l) => console.error(l) : null);
  const runtime = new SessionRuntime(
    {
      runDir: dir, arraysDir: SHM, instance, secret, pipelines: options.pipelines,
      launch: { selfCommand: [process.execPath, join(ROOT, "src/main.ts")], pythonPackage: join(ROOT, "python"), baseEnv: env },
    },
    launcher.hooks(),
  );
  launcher.onExit = (pid, exit) => runtime.nodeExited(pid, exit);
  const stop = async () => {
    await Promise.race([runtime.shutdown(), Bun.sleep(10_000)]);
    await launcher.stopAll();
    runtime.close();
    sweepPrefix(SHM, `gaia-${instance}-p`);
    rmSync(dir, { recursive: true, force: true });
  };
  return { runtime, launcher, dir, instance, stop };
}

/** The session's files in /dev/shm. */
export function sessionFiles(session: Session): string[] {
  return readdirSync(SHM).filter((f) => f.startsWith(session.prefix));
}

/** Waits for `check` to hold, polling; fails with `what` after `ms`. */
export async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** A bounded wait on a promise, failing with `what`. */
export async function within<T>(promise: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
