/**
 * The page's start: ask /ui/session whether this listener wants the token and whether the
 * browser has it; show the sign-in form or the dashboard. Signing in POSTs the token to
 * /ui/login, which sets the HttpOnly cookie (the script never keeps the token); signing out
 * POSTs /ui/logout, which clears it. Over the Unix socket no token is asked for.
 */
import { call, CallError, get, whenUnauthorized } from "./api.ts";
import { Dashboard } from "./dashboard.ts";
import { $ } from "./dom.ts";

type Session = { needs_token: boolean; signed_in: boolean };

let dashboard: Dashboard | null = null;

async function boot(): Promise<void> {
  whenUnauthorized(() => showLogin("The token was refused: sign in again."));
  $("login").addEventListener("submit", (e) => void signIn(e));
  $("signout").addEventListener("click", () => void signOut());
  $("refresh").addEventListener("click", () => dashboard?.markAll());
  let session: Session;
  try {
    session = await get<Session>("/ui/session");
  } catch (err) {
    $("summary").textContent = `gaia does not answer: ${(err as Error).message}`;
    return;
  }
  $("signout").hidden = !session.needs_token;
  if (session.signed_in) showDashboard();
  else showLogin("");
}

function showDashboard(): void {
  $("login").hidden = true;
  $("app").hidden = false;
  dashboard?.stop();
  dashboard = new Dashboard($("app"), stillSignedIn);
  dashboard.start();
}

function showLogin(message: string): void {
  dashboard?.stop();
  dashboard = null;
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("live").textContent = "signed out";
  $<HTMLInputElement>("token").focus();
}

/** After the event stream was refused: true to reopen it, false when the page signed out. */
async function stillSignedIn(): Promise<boolean> {
  const session = await get<Session>("/ui/session");
  if (!session.signed_in) showLogin("Signed out: the token is no longer accepted (did gaia restart with a new one?).");
  return session.signed_in;
}

async function signIn(e: Event): Promise<void> {
  e.preventDefault();
  const input = $<HTMLInputElement>("token");
  try {
    await call("POST", "/ui/login", { token: input.value });
    input.value = "";
    $("signout").hidden = false;
    showDashboard();
  } catch (err) {
    $("login-error").textContent = err instanceof CallError && err.status === 401 ? "That is not this gaia's token." : (err as Error).message;
  }
}

async function signOut(): Promise<void> {
  await call("POST", "/ui/logout").catch(() => {});
  showLogin("Signed out.");
}

void boot();
