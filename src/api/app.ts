/**
 * The control API (SPEC §7) as a Hono app, served by the IO engine. Routes are thin: they
 * validate, call the engine's operations (or the supervisor's, over its link), and shape
 * the answer; every error leaves through the one funnel of errors.ts.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ArrayOps } from "../io/array-ops.ts";
import type { NodesSource } from "../io/cluster/node-view.ts";
import type { EventBus } from "../io/events/bus.ts";
import type { JobLogs } from "../io/job-logs.ts";
import type { JobOps } from "../io/ops.ts";
import type { PipelineHost } from "../io/pipelines/host.ts";
import type { ScheduleOps } from "../io/schedules/ops.ts";
import type { SupervisorLink } from "../io/supervisor-link.ts";
import type { Views } from "../io/views.ts";
import type { Engine } from "../io/dispatch/engine.ts";
import { registerArrayRoutes, uploadKind } from "./arrays.ts";
import { requireToken } from "./auth.ts";
import { ApiError, errorFromThrown } from "./errors.ts";
import { registerEventRoutes } from "./events.ts";
import { registerJobRoutes } from "./jobs.ts";
import { registerMetricsRoute } from "./metrics.ts";
import { registerNodeRoutes } from "./nodes.ts";
import { openapiDocument } from "./openapi.ts";
import { registerScheduleRoutes } from "./schedules.ts";
import { registerSessionRoutes } from "./sessions.ts";
import { registerStatusRoutes } from "./status.ts";
import { registerWorkerRoutes } from "./workers.ts";
import { registerUiRoutes } from "../ui/routes.ts";

export type ApiDeps = {
  engine: Engine;
  ops: JobOps;
  jobLogs: JobLogs;
  arrays: ArrayOps;
  schedules: ScheduleOps;
  bus: EventBus;
  supervisor: SupervisorLink;
  views: Views;
  pipelines: PipelineHost;
  /** The cluster's nodes (SPEC §13); null where gaia is one host (no cluster.url). */
  nodes: NodesSource | null;
  maxBodyBytes: number;
  /** The TCP listener's token (null without a listener), and whether /metrics is open there. */
  token: string | null;
  metricsPublic: boolean;
  log(line: string): void;
};

export function createApp(deps: ApiDeps): Hono {
  const app = new Hono();
  app.onError((err, c) => errorFromThrown(c, err, deps.log));
  app.notFound(function notFound(c) {
    throw new ApiError(404, "not_found", `no route ${c.req.method} ${c.req.path}; see GET /openapi.json`);
  });
  if (deps.token !== null) app.use(requireToken(deps.token, deps.metricsPublic));
  const limitBody = bodyLimit({
    maxSize: deps.maxBodyBytes,
    onError() {
      throw new ApiError(413, "too_large", `the body exceeds control.max_body_mb (${deps.maxBodyBytes} bytes)`);
    },
  });
  // Array uploads stream into their file and are bounded by arrays.max_bytes instead.
  const streamsToFile = (c: Context) => c.req.method === "POST" && c.req.path === "/v1/arrays" && uploadKind(c.req.header("content-type"), c.req.query()) !== "allocate";
  app.use(function limitBodies(c, next) {
    return streamsToFile(c) ? next() : limitBody(c, next);
  });
  registerUiRoutes(app, deps.token); // before the API's routes: it guards them from other origins
  app.get("/openapi.json", (c) => c.json(openapiDocument()));
  registerStatusRoutes(app, deps);
  registerWorkerRoutes(app, deps.supervisor, deps.views);
  registerJobRoutes(app, deps.ops, deps.jobLogs);
  registerScheduleRoutes(app, deps.schedules);
  registerArrayRoutes(app, deps.arrays);
  registerSessionRoutes(app, deps.pipelines);
  registerNodeRoutes(app, deps.nodes);
  registerEventRoutes(app, deps.bus);
  registerMetricsRoute(app, deps);
  return app;
}
