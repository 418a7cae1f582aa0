/**
 * Who may call the API over TCP (SPEC §7): a request must carry the run's token, as
 * `Authorization: Bearer <token>` or (the dashboard, whose event stream cannot set headers)
 * the HttpOnly cookie it signed in with, compared in constant time; otherwise 401 in the
 * error shape. Open without a token: /health and /ready (probes), /metrics with
 * `control.metrics_public` (a Prometheus scrape), and the dashboard's page and sign-in, which
 * hold no data. The Unix socket (mode 0600) needs no token: whoever can open it owns it.
 */
import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors.ts";

export const TOKEN_COOKIE = "gaia_token";

const OPEN = new Set(["/health", "/ready"]);

export function requireToken(token: string, metricsPublic: boolean): MiddlewareHandler {
  return async function authorize(c, next) {
    if ((c.env as { transport?: string } | undefined)?.transport !== "tcp") return next();
    const path = c.req.path;
    if (OPEN.has(path) || (metricsPublic && path === "/metrics") || path === "/ui" || path.startsWith("/ui/")) return next();
    const given = bearer(c.req.header("authorization")) ?? cookie(c.req.header("cookie"), TOKEN_COOKIE);
    if (given === null) throw new ApiError(401, "unauthorized", "this listener needs the token: send 'Authorization: Bearer <token>' (the token is in the run dir's control.token_file)");
    if (!sameToken(given, token)) throw new ApiError(401, "unauthorized", "the token is not this gaia's");
    return next();
  };
}

function bearer(header: string | undefined): string | null {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1]! : null;
}

export function cookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/** Constant time: how much of a guess is right must not show in how long the answer takes. */
export function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  // Compared at the token's length either way, so a wrong length costs the same as a wrong byte.
  return timingSafeEqual(a.length === b.length ? a : b, b) && a.length === b.length;
}
