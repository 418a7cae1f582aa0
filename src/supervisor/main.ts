/**
 * `gaia start`: the supervisor. It owns every process; it does no job work and serves no API
 * of its own (the IO engine does), only a minimal responder while the IO engine is down.
 *
 * Start: refuse if a gaia already answers on this run dir → stop what a killed predecessor
 * left behind → make the run's secret → spawn the IO engine and connect to it → spawn the
 * pools and their spares → wait for a signal. Stop (SIGTERM, SIGINT, `gaia stop`,
 * POST /v1/shutdown): see shutdown.ts.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadedConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { installJsonConsole } from "../lib/json-log.ts";
import { startTime } from "../lib/proc.ts";
import { instanceId } from "../arrays/names.ts";
import { sweepPrefix } from "../arrays/files.ts";
import type { IoBoot } from "../io/main.ts";
import { CallRefusal } from "../protocol/calls.ts";
import { VERSION } from "../version.ts";
import { warnSmallArraysDir } from "./arrays-check.ts";
import type { Child } from "./child.ts";
import { ioArgv, workerArgv, workerEnv } from "./commands.ts";
import { gpuEnv } from "./gpu/assign.ts";
import { openGpus, watchGpus, type Gpus } from "./gpu-watch.ts";
import { closeFd, createListenSocket } from "../http/index.ts";
import { Fallback, fallbackStatus } from "./fallback.ts";
import { NodeProcesses, tellNodeExit } from "./nodes.ts";
import { IoProcess } from "./io-process.ts";
import { IoLink } from "./link.ts";
import { LogStore } from "./logs.ts";
import { watchMemory } from "./memory-watch.ts";
import { ProcessEvents } from "./process-events.ts";
import { checkInterpreter, installPythonPackage } from "./python-package.ts";
import { readRegistry, stopOrphans, writeRegistry } from "./registry.ts";
import { Shutdown } from "./shutdown.ts";
import { Supervisor } from "./supervisor.ts";
import { ensureToken } from "./token.ts";
import { splitAddress } from "../api/server.ts";
import { ProcessTable } from "./table.ts";
import { pipelinePaths } from "../protocol/pipeline-paths.ts";

export async function runSupervisor(loaded: LoadedConfig): Promise<number> {
  const { config, runDir, dataDir, controlSocket } = loaded;
  installJsonConsole("supervisor");
  mkdirSync(runDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const running = await answeringPid(controlSocket);
  if (running !== null) return (console.error(`gaia is already running (pid ${running})`), 2);
  const pythonPackage = preflight(config, runDir);
  if (typeof pythonPackage === "number") return pythonPackage;
  if (config.control.listen) {
    const problem = ensureToken(loaded.tokenFile).problem ?? tcpProblem(config.control.listen);
    if (problem) return (console.error(problem), 2);
  }
  const gpus = openGpus(config);
  if (Array.isArray(gpus)) return (gpus.forEach((line) => console.error(line)), 2);
  const logs = new LogStore();
  const previous = readRegistry(runDir);
  if (previous) {
    const stopped = await stopOrphans(previous);
    if (stopped.length) logs.write("supervisor", `stopped ${stopped.length} process(es) left by a previous gaia that died: pids ${stopped.join(", ")}`);
  }

  const runId = Bun.randomUUIDv7();
  // Random per run, handed only to this supervisor's children: a hello without it is refused.
  const secret = randomBytes(16).toString("hex");
  const ioSocket = join(runDir, "io.sock");
  const bootFile = join(runDir, "io-boot.json");
  const instance = instanceId(process.pid, startTime(process.pid) ?? 0);
  // The control socket is the supervisor's, for the whole run: the IO engine serves it as
  // its fd 3, and while no engine does, the fallback responder answers (fallback.ts).
  rmSync(controlSocket, { force: true }); // a dead run's socket file: nobody answered on it above
  const controlFd = createListenSocket(controlSocket);
  const boot: IoBoot = { config, runDir, dataDir, instance, runId, secret, version: VERSION, controlSocket, controlFd: 3, tokenFile: loaded.tokenFile };
  writeFileSync(bootFile, JSON.stringify(boot), { mode: 0o600 });
  warnSmallArraysDir(config, logs);

  const link = new IoLink(ioSocket, secret, (line) => logs.write("supervisor", line, "error"));
  const events = new ProcessEvents(link);
  // Each start of the IO engine is told the last GPU sample (or why there is none) at once.
  const fallback = new Fallback(controlFd, runId, (line) => logs.write("supervisor", line, "error"));
  fallback.start(); // until the first engine is up
  // Each start of the IO engine is told the last GPU sample (or why there is none) at once,
  // and takes gaia.sock back from the fallback responder.
  const io = new IoProcess(link, logs, events, {
    up: () => (link.notify({ kind: "gpu.sample", sample: gpus.monitor.last() }), void fallback.stop()),
    down: () => fallback.start(),
  });
  const table = new ProcessTable(config, logs, {
    spawned: (child) => (events.started(child), child.spec.runtime === "io" && io.respawned(child)),
    // An engine that died is let go of first: what is told next waits for the new one.
    exited: (child, exit) => (child.spec.runtime === "io" && io.exited(child), events.exited(child, exit), tellNodeExit(child, logs, (e) => link.notify(e))),
    restarting: (child, exit, delayMs) => events.restarted(child, exit, delayMs),
    promoted: (child, spare) => events.promoted(child, spare),
    crashlooping: (pool, lastError) => events.crashlooping(pool, lastError),
    changed: () => writeRegistry(runDir, registryOf(runId, table)),
  });
  const sup = new Supervisor({ config, table, logs, events, link });
  const nodes = new NodeProcesses(table, secret, () => gpus.monitor.last());
  const shutdown = new Shutdown(sup, table, link, logs, config.shutdown.grace_s * 1000);
  fallback.describe(() => fallbackStatus({ runId, version: VERSION, sup, table, logs }), (why) => shutdown.begin(why));
  link.handle({
    processes: () => sup.processes(),
    "logs.tail": ({ process: name, n }) => logsTail(logs, table, name, n),
    "logs.page": ({ after, n, oldest }) => logs.all(n, after, oldest),
    "worker.restart": ({ id }) => sup.restartWorker(id),
    "pool.restart": ({ pool }) => sup.restartPool(pool),
    shutdown: ({ why }) => (setTimeout(() => shutdown.begin(why), 0), {}),
    "node.spawn": (args) => nodes.spawn(args),
  }, (event) => (event.kind === "node.kill" ? nodes.kill(event.pid, event.signal) : sup.ioEvent(event)));

  // From here on a signal is a graceful stop, even while the IO engine starts: gaia.sock
  // already answers (the fallback), so a `docker stop` may come at any moment now.
  process.on("SIGTERM", () => shutdown.begin("SIGTERM"));
  process.on("SIGINT", () => shutdown.begin("SIGINT"));
  const ioChild = table.add({ name: "io", pool: null, runtime: "io", argv: ioArgv(bootFile), env: { ...process.env }, cwd: process.cwd(), spare: false, fds: [controlFd] });
  const ioStarted = await io.start(ioChild);
  const stopAsked = sup.phase.kind === "stopping";
  if (!ioStarted && !stopAsked) {
    logs.write("supervisor", "the IO engine did not start; see its lines above", "error");
    await ioChild.stop("shutdown", 0);
    return 1;
  }
  let stopWatching = () => {};
  let stopGpus = () => {};
  if (!stopAsked) {
    spawnPools(config, table, ioSocket, pythonPackage, secret, gpus);
    stopWatching = watchMemory(config, () => table.children.values(), logs);
    stopGpus = watchGpus(config, gpus, () => table.children.values(), logs, (sample) => link.notify({ kind: "gpu.sample", sample }));
    logs.write("supervisor", `gaia ${VERSION} started (pid ${process.pid}, run ${runId}); control API on ${controlSocket}`);
  }
  await shutdown.done;
  stopWatching();
  stopGpus();
  await fallback.stop();
  closeFd(controlFd);
  // The IO engine's pipeline sockets too: it may have died without removing them.
  const pipelines = pipelinePaths(runDir);
  for (const file of [controlSocket, ioSocket, bootFile, join(runDir, "registry.json"), pipelines.control, pipelines.pipes]) rmSync(file, { force: true, recursive: true });
  // Arrays are memory that lives for one run: this run's files go with it (SPEC §6).
  const arrayFiles = sweepPrefix(config.arrays.dir, `gaia-${instance}-`);
  if (arrayFiles.length > 0) logs.write("supervisor", `removed ${arrayFiles.length} array file(s) of this run from ${config.arrays.dir}`);
  logs.write("supervisor", "gaia stopped");
  return 0;
}

/** Checks that need no process: prlimit for address-space limits, each Python interpreter. */
function preflight(config: Config, runDir: string): string | number {
  const limited = config.pools.findIndex((p) => p.address_space_mb > 0);
  if (limited >= 0 && !Bun.which("prlimit")) {
    console.error(`config: pools[${limited}].address_space_mb: needs the prlimit program (util-linux), which is not on PATH; install it or set address_space_mb = 0`);
    return 2;
  }
  // Always written: a pipeline's Python nodes need it too, and pipelines can come through the API.
  const pythonPackage = installPythonPackage(runDir);
  const problems = config.pools.flatMap((pool, i) => (pool.runtime === "python" ? [checkInterpreter(pool.python, `pools[${i}]`, pythonPackage)] : []));
  for (const problem of problems) if (problem) console.error(problem);
  return problems.some(Boolean) ? 2 : pythonPackage;
}

/**
 * Each pool's workers (ids POOL-N, stable across restarts, and so are their devices) and its
 * spares (POOL-sN).
 */
function spawnPools(config: Config, table: ProcessTable, ioSocket: string, pythonPackage: string, secret: string, gpus: Gpus): void {
  for (const pool of config.pools) {
    const base = workerEnv(pool, pythonPackage, secret);
    const slots = [
      ...Array.from({ length: pool.size }, (_, i) => ({ name: `${pool.name}-${i}`, spare: false })),
      ...Array.from({ length: pool.spares }, (_, i) => ({ name: `${pool.name}-s${i}`, spare: true })),
    ];
    for (const { name, spare } of slots) {
      const env = pool.gpus === undefined ? base : { ...base, ...gpuEnv(gpus.devicesOf(name)) };
      table.add({ name, pool: pool.name, runtime: pool.runtime, argv: workerArgv(pool, name, ioSocket, spare), env, cwd: process.cwd(), spare }).spawn();
    }
  }
}

function logsTail(logs: LogStore, table: ProcessTable, name: string, n: number) {
  const lines = logs.tail(name, n);
  if (lines === null && name !== "supervisor" && !table.children.has(name)) {
    throw new CallRefusal("not_found", `no process '${name}'; see GET /v1/workers`);
  }
  return { lines: lines ?? [] };
}

function registryOf(runId: string, table: ProcessTable) {
  const children = [...table.children.values()].filter((c: Child) => c.running && c.pid !== null);
  return {
    run_id: runId,
    supervisor: { name: "supervisor", pid: process.pid, start_time: startTime(process.pid) },
    children: children.map((c) => ({ name: c.spec.name, pid: c.pid!, start_time: c.startTicks })),
  };
}

/** Whether the IO engine will be able to listen there: tried now, so a taken port is a config error. */
function tcpProblem(listen: string): string | null {
  const { hostname, port } = splitAddress(listen);
  try {
    Bun.listen({ hostname, port, socket: { data() {} } }).stop(true);
    return null;
  } catch (err) {
    return `config: control.listen: cannot listen on ${listen}: ${(err as Error).message}`;
  }
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
