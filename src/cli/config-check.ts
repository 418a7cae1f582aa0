/**
 * `gaia config check`'s checks beyond the schema (SPEC §3): each pool's modules are loaded in
 * a throwaway process as its workers would load them, its interpreter is tried, and every
 * task that a schedule or a `tasks."NAME"` entry names must be served by some pool. So a
 * config that passes here is one that `gaia start` runs, instead of a pool that crashloops.
 *
 * - Bun pools: this binary's hidden `__tasks` role (workers/list-tasks.ts) in the pool's env.
 * - Python pools: the interpreter is checked as start checks it (missing, no cbor2), then
 *   imports the modules with the embedded gaia_worker package first on PYTHONPATH, as the
 *   pool's workers do, and lists the registered tasks.
 *
 * Both answer in a file (a module may print anything while imported). A load that does not
 * finish within LOAD_TIMEOUT_MS is a problem of its own.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config, PoolConfig } from "../config/schema.ts";
import { selfCommand, workerEnv } from "../supervisor/commands.ts";
import { checkInterpreter, installPythonPackage } from "../supervisor/python-package.ts";
import type { TaskListing } from "../../workers/list-tasks.ts";

/** Importing torch can take a while on a cold disk; a minute is a hang, not a slow import. */
const LOAD_TIMEOUT_MS = 60_000;

/** Imports the modules one by one, as registry.load_modules does, and lists the tasks. */
const PYTHON_LISTER = `
import json, sys
from gaia_worker import registry
problems = []
for i, module in enumerate(json.loads(sys.argv[1])):
    try:
        registry.load_modules([module])
    except BaseException as e:
        problems.append({"module": i, "message": f"{type(e).__name__}: {e}"})
with open(sys.argv[2], "w") as out:
    json.dump({"tasks": sorted(registry.tasks()), "problems": problems}, out)
`;

export type CheckResult = { problems: string[]; tasks: Record<string, string[]> };

export async function checkPools(config: Config): Promise<CheckResult> {
  const scratch = mkdtempSync(join(tmpdir(), "gaia-config-check-"));
  try {
    const pythonPath = config.pools.some((p) => p.runtime === "python") ? installPythonPackage(scratch) : null;
    const results = await Promise.all(config.pools.map((pool, i) => checkPool(pool, i, scratch, pythonPath)));
    const problems = results.flatMap((r) => r.problems);
    const tasks = Object.fromEntries(config.pools.map((pool, i) => [pool.name, results[i]!.tasks]));
    // Coverage only when every pool loaded: a task may come from the pool that did not.
    if (problems.length === 0) problems.push(...coverage(config, tasks));
    return { problems, tasks };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function checkPool(pool: PoolConfig, index: number, scratch: string, pythonPath: string | null): Promise<{ problems: string[]; tasks: string[] }> {
  const at = `pools[${index}]`;
  if (pool.address_space_mb > 0 && !Bun.which("prlimit")) {
    return { problems: [`config: ${at}.address_space_mb: needs the prlimit program (util-linux), which is not on PATH; install it or set address_space_mb = 0`], tasks: [] };
  }
  if (pool.runtime === "python") {
    const problem = checkInterpreter(pool.python, at, pythonPath!);
    if (problem) return { problems: [problem], tasks: [] };
  }
  const out = join(scratch, `tasks-${index}.json`);
  const modules = JSON.stringify(pool.modules);
  const argv = pool.runtime === "python" ? [pool.python, "-c", PYTHON_LISTER, modules, out] : [...selfCommand(), "__tasks", "--modules", modules, "--out", out];
  const env = { ...workerEnv(pool, pythonPath, ""), GAIA_SECRET: undefined };
  const proc = Bun.spawn(argv, { env, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: LOAD_TIMEOUT_MS, killSignal: "SIGKILL" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  let listing: TaskListing;
  try {
    listing = JSON.parse(readFileSync(out, "utf8")) as TaskListing;
  } catch {
    const how = proc.signalCode === "SIGKILL" ? `did not finish within ${LOAD_TIMEOUT_MS / 1000} s` : `exited with ${proc.signalCode ?? `code ${code}`}`;
    const last = lastLine(`${stdout}\n${stderr}`);
    return { problems: [`config: ${at}.modules: loading them ${how}${last ? `: ${last}` : ""}`], tasks: [] };
  }
  const problems = listing.problems.map((p) => `config: ${at}.modules[${p.module}]: cannot load ${JSON.stringify(pool.modules[p.module])}: ${p.message}`);
  return { problems, tasks: listing.tasks };
}

/** Each schedule's task and each `tasks."NAME"` policy must be served by some pool. */
export function coverage(config: Pick<Config, "schedules" | "tasks">, tasks: Record<string, string[]>): string[] {
  const served = new Set(Object.values(tasks).flat());
  const list = [...served].sort().join(", ") || "none";
  const problems: string[] = [];
  config.schedules.forEach((schedule, i) => {
    if (!served.has(schedule.task)) problems.push(`config: schedules[${i}].task: no pool serves task '${schedule.task}' (the pools serve: ${list})`);
  });
  for (const name of Object.keys(config.tasks)) {
    if (!served.has(name)) problems.push(`config: tasks."${name}": no pool serves this task, so its policy would never apply (the pools serve: ${list})`);
  }
  return problems;
}

function lastLine(text: string): string {
  return text.trim().split("\n").filter((l) => l.trim() !== "").pop()?.trim().slice(0, 300) ?? "";
}
