/**
 * `gaia start`: the supervisor. It owns every process and serves the control API; it does
 * no job work itself.
 *
 * Start: refuse if a gaia already answers on this run dir → stop what a killed predecessor
 * left behind → spawn the IO engine and connect to it → spawn the pools → serve the API.
 * Stop (SIGTERM, SIGINT, `gaia stop`, POST /v1/shutdown): see shutdown.ts.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadedConfig } from "../config/load.ts";
import { startApi } from "../api/server.ts";
import { installJsonConsole } from "../lib/json-log.ts";
import { VERSION } from "../version.ts";
import type { Child } from "./child.ts";
import { ioArgv, workerArgv, workerEnv } from "./commands.ts";
import { EventBus } from "./events.ts";
import { IoLink } from "./io-link.ts";
import { LogStore } from "./logs.ts";
import { startTime } from "../lib/proc.ts";
import { instanceId } from "../arrays/names.ts";
import { sweepPrefix } from "../arrays/files.ts";
import type { IoBoot } from "../io/main.ts";
import { warnSmallArraysDir } from "./arrays-check.ts";
import { readRegistry, stopOrphans, writeRegistry } from "./registry.ts";
import { Shutdown } from "./shutdown.ts";
import { ProcessTable } from "./table.ts";
import { Supervisor } from "./supervisor.ts";
import { watchMemory } from "./memory-watch.ts";
import { checkInterpreter, installPythonPackage } from "./python-package.ts";

const IO_CONNECT_TIMEOUT_MS = 15_000;

export async function runSupervisor(loaded: LoadedConfig): Promise<number> {
  const { config, runDir, dataDir, controlSocket } = loaded;
  // From here on this is the supervisor, whose lines follow GAIA_LOG_FORMAT; a bad config or
  // argument before this point is a command-line error, printed plainly.
  installJsonConsole();
  mkdirSync(runDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const running = await answeringPid(controlSocket);
  if (running !== null) {
    console.error(`gaia is already running (pid ${running})`);
    return 2;
  }
  const limited = config.pools.findIndex((p) => p.address_space_mb > 0);
  if (limited >= 0 && !Bun.which("prlimit")) {
    console.error(`config: pools[${limited}].address_space_mb: needs the prlimit program (util-linux), which is not on PATH; install it or set address_space_mb = 0`);
    return 2;
  }
  const pythonPackage = config.pools.some((p) => p.runtime === "python") ? installPythonPackage(runDir) : null;
  if (pythonPackage) {
    const problems = config.pools.flatMap((pool, i) => (pool.runtime === "python" ? [checkInterpreter(pool.python, `pools[${i}]`, pythonPackage)] : []));
    for (const problem of problems) if (problem) console.error(problem);
    if (problems.some(Boolean)) return 2;
  }
  const logs = new LogStore();
  const previous = readRegistry(runDir);
  if (previous) {
    const stopped = await stopOrphans(previous);
    if (stopped.length) logs.write("supervisor", `stopped ${stopped.length} process(es) left by a previous gaia that died: pids ${stopped.join(", ")}`);
  }

  const runId = Bun.randomUUIDv7();
  const ioSocket = join(runDir, "io.sock");
  const bootFile = join(runDir, "io-boot.json");
  const instance = instanceId(process.pid, startTime(process.pid) ?? 0);
  writeFileSync(bootFile, JSON.stringify({ config, runDir, dataDir, instance } satisfies IoBoot));
  warnSmallArraysDir(config, logs);

  let sup: Supervisor;
  const table = new ProcessTable(config, logs, {
    spawned: (child) => sup?.childSpawned(child),
    exited: (child, exit) => sup?.childExited(child, exit),
    restarting: (child, exit, delayMs) => sup?.processEvents.restarted(child, exit, delayMs),
    crashlooping: (pool, lastError) => sup?.processEvents.crashlooping(pool, lastError),
    changed: () => writeRegistry(runDir, {
      run_id: runId,
      supervisor: { name: "supervisor", pid: process.pid, start_time: startTime(process.pid) },
      children: [...table.children.values()].filter((c) => c.running && c.pid !== null).map((c: Child) => ({ name: c.spec.name, pid: c.pid!, start_time: c.startTicks })),
    }),
  });
  const link = new IoLink(ioSocket, (kind, data) => sup.ioEvent(kind, data), (line) => logs.write("supervisor", line, "error"));
  const events = new EventBus((on) => link.notify("events.listen", { on }));
  sup = new Supervisor({ config, runId, version: VERSION, table, link, logs, events, controlSocket });

  const io = table.add({ name: "io", pool: null, runtime: "io", argv: ioArgv(bootFile), env: { ...process.env }, cwd: process.cwd() });
  io.spawn();
  if (!(await link.connect(Date.now() + IO_CONNECT_TIMEOUT_MS, () => io.running))) {
    logs.write("supervisor", "the IO engine did not start; see its lines above", "error");
    await io.stop("shutdown", 0);
    return 1;
  }
  sup.markReady(io, io.pid);
  sup.ioBooted = true;
  for (const pool of config.pools) {
    for (let i = 0; i < pool.size; i++) {
      const id = `${pool.name}-${i}`;
      table.add({ name: id, pool: pool.name, runtime: pool.runtime, argv: workerArgv(pool, id, ioSocket), env: workerEnv(pool, pythonPackage), cwd: process.cwd() }).spawn();
    }
  }
  const server = startApi(sup, controlSocket, config.control.max_body_mb);
  const stopWatching = watchMemory(config, () => table.children.values(), logs);
  logs.write("supervisor", `gaia ${VERSION} started (pid ${process.pid}, run ${runId}); control API on ${controlSocket}`);

  const shutdown = new Shutdown(sup, table, link, logs, config.shutdown.grace_s * 1000);
  sup.requestShutdown = (why) => shutdown.begin(why);
  process.on("SIGTERM", () => shutdown.begin("SIGTERM"));
  process.on("SIGINT", () => shutdown.begin("SIGINT"));
  await shutdown.done;
  stopWatching();
  server.stop(true);
  for (const file of [controlSocket, ioSocket, bootFile, join(runDir, "registry.json")]) rmSync(file, { force: true });
  // Arrays are memory that lives for one run: this run's files go with it (SPEC §6).
  const arrayFiles = sweepPrefix(config.arrays.dir, `gaia-${instance}-`);
  if (arrayFiles.length > 0) logs.write("supervisor", `removed ${arrayFiles.length} array file(s) of this run from ${config.arrays.dir}`);
  logs.write("supervisor", "gaia stopped");
  return 0;
}

/** The pid of a gaia that answers on this control socket, or null. */
async function answeringPid(socket: string): Promise<number | null> {
  try {
    const res = await fetch("http://gaia/health", { unix: socket, signal: AbortSignal.timeout(2000) } as RequestInit);
    const body = (await res.json()) as { pid?: number };
    return body.pid ?? -1;
  } catch {
    return null;
  }
}
