/**
 * Health, readiness, status (sessions in brief included), GPUs and shutdown (SPEC §1, §7,
 * §11). `/health` answers while the process lives; `/ready` only when every pool has its
 * configured workers connected.
 */
import type { Hono } from "hono";
import type { ApiDeps } from "./app.ts";
import type { SessionView } from "../io/pipelines/session-view.ts";
import { errorBody } from "./errors.ts";

export function registerStatusRoutes(app: Hono, deps: ApiDeps): void {
  app.get("/health", function health(c) {
    return c.json(deps.views.health());
  });
  app.get("/ready", function ready(c) {
    const ready = deps.views.ready();
    if (ready.ok) return c.json({ ready: true });
    return c.json({ ...errorBody("not_ready", ready.reasons.join("; ")), reasons: ready.reasons }, 503);
  });
  app.get("/v1/status", async function status(c) {
    return c.json({ ...(await deps.views.status()), sessions: sessionCounts(deps.pipelines.runtime.list()) });
  });
  app.get("/v1/gpus", function gpus(c) {
    return c.json(deps.views.gpus());
  });
  app.post("/v1/shutdown", async function shutdown(c) {
    void deps.supervisor.call("shutdown", { why: "POST /v1/shutdown" });
    return c.json({ stopping: true }, 202);
  });
}

/** Sessions in brief: how many the engine holds, by state (SPEC §7). */
export function sessionCounts(sessions: SessionView[]): { total: number; by_state: Record<string, number> } {
  const byState: Record<string, number> = {};
  for (const s of sessions) byState[s.state] = (byState[s.state] ?? 0) + 1;
  return { total: sessions.length, by_state: byState };
}
