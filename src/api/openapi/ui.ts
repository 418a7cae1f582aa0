/** The dashboard (SPEC §15): its page and its sign-in, open on TCP (the page signs in with them). */
import { UiLogin, UiSession } from "../shapes/ui.ts";
import { json, JSON_TYPE, type Operation } from "./operation.ts";

export const uiOperations: Operation[] = [
  { method: "get", path: "/ui", id: "uiRedirect", tag: "dashboard", summary: "a 308 to /ui/", open: true, answers: { 308: { description: "to /ui/", headers: { Location: "/ui/" } } }, errors: [] },
  {
    method: "get", path: "/ui/", id: "uiPage", tag: "dashboard", open: true, summary: "the dashboard: one HTML page, its script and styles inline (named by hash in its Content-Security-Policy)",
    answers: { 200: { description: "the page", content: ["text/html"], headers: { ETag: "the page's hash", "Content-Security-Policy": "the page's own script and styles only" } }, 304: { description: "unchanged (If-None-Match)" } }, errors: [],
  },
  { method: "get", path: "/ui/session", id: "uiSession", tag: "dashboard", open: true, summary: "whether the page must sign in first", answers: { 200: json(UiSession, "the answer") }, errors: [] },
  {
    method: "post", path: "/ui/login", id: "uiLogin", tag: "dashboard", open: true, summary: "exchange the token for an HttpOnly, SameSite=Strict cookie (Secure over HTTPS)",
    body: { content: { [JSON_TYPE]: UiLogin }, required: true },
    answers: { 204: { description: "signed in (the cookie is set; over the Unix socket nothing is needed)", headers: { "Set-Cookie": "gaia_token" } } }, errors: [400, 401, 413],
  },
  { method: "post", path: "/ui/logout", id: "uiLogout", tag: "dashboard", open: true, summary: "clear the cookie", answers: { 204: { description: "signed out", headers: { "Set-Cookie": "gaia_token, expired" } } }, errors: [] },
];
