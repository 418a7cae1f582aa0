/**
 * The dashboard's routes (SPEC §15), served by the IO engine beside the API it reads:
 *
 *   GET  /ui            → 308 to /ui/ (the page's relative URLs need the slash)
 *   GET  /ui/           the page: one HTML file with its script and styles inline (assets.ts)
 *   GET  /ui/session    {needs_token, signed_in}: whether this listener wants the token, and
 *                       whether this browser's cookie (or bearer) is the right one
 *   POST /ui/login      {"token": "..."} → 204 and the HttpOnly cookie `gaia_token`, or 401
 *   POST /ui/logout     204; the cookie is cleared
 *
 * The token check is auth.ts's (constant time); auth.ts leaves /ui and /ui/* open so the page
 * can load and sign in, and accepts the cookie on every other route, which is what lets an
 * EventSource (which cannot set headers) read /v1/events.
 *
 * A cookie rides along on any request the browser makes to this host, also from pages of
 * other ports on it: SameSite does not look at ports (RFC 6265bis, "same site" is the
 * scheme and registrable domain), and the API takes JSON sent as text/plain, so a form on
 * http://127.0.0.1:3000 could submit or cancel jobs. `crossOriginGuard` therefore refuses a
 * request that changes something, is authorised by the cookie alone, and whose Origin is not
 * this listener's. The bearer header cannot be forged that way, so it needs no such check.
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { cookie, sameToken, TOKEN_COOKIE } from "../api/auth.ts";
import { jsonBody } from "../api/body.ts";
import { ApiError } from "../api/errors.ts";
import { UiLogin } from "../api/shapes/ui.ts";
import { pageResponse } from "./assets.ts";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

const overTcp = (c: Context) => (c.env as { transport?: string } | undefined)?.transport === "tcp";

/** `token`: the TCP listener's (null when there is none: then only the Unix socket serves). */
export function registerUiRoutes(app: Hono, token: string | null): void {
  if (token !== null) app.use(crossOriginGuard);
  app.get("/ui", (c) => c.redirect("/ui/", 308));
  app.get("/ui/", (c) => pageResponse(c.req.header("if-none-match"), c.req.header("accept-encoding")));
  app.get("/ui/session", function uiSession(c) {
    const needsToken = overTcp(c) && token !== null;
    return c.json({ needs_token: needsToken, signed_in: !needsToken || presented(c, token!) });
  });
  app.post("/ui/login", async function uiLogin(c) {
    const given = (await jsonBody(c, UiLogin)).token.trim();
    if (!overTcp(c) || token === null) return c.body(null, 204); // the Unix socket needs no token
    if (!sameToken(given, token)) throw new ApiError(401, "unauthorized", "the token is not this gaia's (it is in the run dir's control.token_file)");
    c.header("set-cookie", tokenCookie(given, secure(c)));
    return c.body(null, 204);
  });
  app.post("/ui/logout", function uiLogout(c) {
    c.header("set-cookie", tokenCookie("", secure(c), 0));
    return c.body(null, 204);
  });
}

/**
 * Session-long (no Max-Age): the token is the run's, so it stops working when gaia restarts
 * with a new one anyway. Path=/ because the API it unlocks lives outside /ui.
 */
export function tokenCookie(value: string, secure: boolean, maxAge?: number): string {
  return [`${TOKEN_COOKIE}=${value}`, "Path=/", "HttpOnly", "SameSite=Strict", ...(secure ? ["Secure"] : []), ...(maxAge !== undefined ? [`Max-Age=${maxAge}`] : [])].join("; ");
}

/** The URL's scheme is the listener's: gaia's HTTP server builds it from TLS being on. */
const secure = (c: Context) => c.req.url.startsWith("https:");

function presented(c: Context, token: string): boolean {
  const auth = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
  const given = auth ?? cookie(c.req.header("cookie"), TOKEN_COOKIE);
  return given !== null && sameToken(given, token);
}

const crossOriginGuard: MiddlewareHandler = async function crossOriginGuard(c, next) {
  if (!overTcp(c) || SAFE.has(c.req.method) || c.req.path === "/ui/login") return next();
  if (c.req.header("authorization") || cookie(c.req.header("cookie"), TOKEN_COOKIE) === null) return next();
  if (!sameOrigin(c.req.header("origin"), c.req.header("host"), c.req.url)) {
    throw new ApiError(401, "unauthorized", "the dashboard's cookie is good only for requests from the dashboard's own page; other clients send 'Authorization: Bearer <token>'");
  }
  return next();
};

/** Origin "http://127.0.0.1:8470" against Host "127.0.0.1:8470" and the listener's scheme. */
export function sameOrigin(origin: string | undefined, host: string | undefined, url: string): boolean {
  if (!origin || !host) return false;
  try {
    const o = new URL(origin);
    return o.host === host.toLowerCase() && o.protocol === new URL(url).protocol;
  } catch {
    return false; // "null" (a sandboxed frame, a file: page) and other oddities
  }
}
