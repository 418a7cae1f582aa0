/**
 * The supervisor's minimal responder on gaia.sock while the IO engine is down or restarting
 * (SPEC §1): the listening socket is the supervisor's (it made it, and lent it to the IO
 * engine as fd 3), so while no engine accepts, connections wait in its backlog and this
 * responder takes them: a client never sees a refused connection or a hang.
 *
 *   GET /health      200, the supervisor lives
 *   GET /v1/status   the processes, and the IO engine's state (restarting | crashlooping),
 *                    its last exit and its last lines
 *   POST /v1/shutdown  202: the graceful stop, which the supervisor runs (so `gaia stop`
 *                    works while the engine crashloops; only gaia.sock is answered here)
 *   anything else    503 io_unavailable, Retry-After: 1
 *
 * It serves on a dup of the socket, so stopping it (when the engine is back) closes only the
 * dup, never the socket the engine serves on.
 */
import { dupFd, serveHttp, type HttpServer } from "../http/index.ts";
import { errorResponse } from "../http/errors.ts";
import type { LogStore } from "./logs.ts";
import type { Supervisor } from "./supervisor.ts";
import type { ProcessTable } from "./table.ts";

export type StatusDeps = { runId: string; version: string; sup: Supervisor; table: ProcessTable; logs: LogStore };

export class Fallback {
  private server: Promise<HttpServer> | null = null;
  /** What /v1/status shows; until the process table exists, only who answers. */
  private status: () => object;
  /** What POST /v1/shutdown does; until the supervisor can stop, a 503 like the rest. */
  private shutdown: ((why: string) => void) | null = null;

  constructor(
    private readonly listenFd: number,
    private readonly runId: string,
    private readonly log: (line: string) => void,
  ) {
    this.status = () => ({ run_id: runId, pid: process.pid, io: { state: "starting", pid: null } });
  }

  /** The status to show from now on, and how to stop (the supervisor's state exists once it is built). */
  describe(status: () => object, shutdown: (why: string) => void): void {
    this.status = status;
    this.shutdown = shutdown;
  }

  /** Starts answering (the IO engine is down); does nothing if it already does. */
  start(): void {
    this.server ??= serveHttp({ fd: dupFd(this.listenFd) }, (req) => closing(this.answer(req)), { onError: (err) => this.log(`fallback responder: ${err}`) });
  }

  /** The IO engine is back: it takes every new connection. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await (await server).stop(true);
  }

  private answer(req: Request): Response {
    const path = new URL(req.url).pathname;
    if (req.method === "GET" && path === "/health") return Response.json({ status: "ok", pid: process.pid, run_id: this.runId, io: "down" });
    if (req.method === "GET" && path === "/v1/status") return Response.json(this.status());
    if (req.method === "POST" && path === "/v1/shutdown" && this.shutdown) {
      const stop = this.shutdown;
      setTimeout(() => stop("POST /v1/shutdown"), 0); // answered first
      return Response.json({ stopping: true }, { status: 202 });
    }
    return errorResponse(503, "io_unavailable", "the IO engine is not running (it is restarting); try again", { "retry-after": "1" });
  }
}

/**
 * Every answer of the responder closes its connection: a client's next request then opens a
 * new one, which the IO engine takes once it is back, instead of racing the responder's stop
 * on a kept-alive connection (a request sent just as the stop lands would be cut).
 */
function closing(res: Response): Response {
  res.headers.set("connection", "close");
  return res;
}

/** `/v1/status` while the IO engine is down: the processes, and the engine's last exit and lines. */
export function fallbackStatus({ runId, version, sup, table, logs }: StatusDeps): object {
  const view = sup.processes();
  const io = table.children.get("io");
  return {
    version,
    run_id: runId,
    pid: process.pid,
    uptime_s: Math.round((Date.now() - sup.startedAt) / 1000),
    state: sup.phase.kind,
    io: {
      state: table.poolState("io") === "crashlooping" ? "crashlooping" : "restarting",
      pid: null,
      last_exit: io?.lastExit ?? null,
      last_error: table.health.get("io")?.lastError ?? null,
      last_lines: (logs.tail("io", 20) ?? []).map((l) => l.line),
    },
    pools: view.pools.map((p) => ({ ...p, queued: null })),
    processes: view.processes,
    jobs: null,
  };
}
