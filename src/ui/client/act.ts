/**
 * Actions that change something (cancel a job, restart a worker or a pool, pause, resume or
 * run a schedule) go through `act`: it asks first (a confirm dialog, SPEC §15), calls the API,
 * says what happened in the banner, and tells the page what to read again, since some of
 * these changes (a pause) send no event.
 */
import { call, CallError } from "./api.ts";
import { confirmed } from "./dom.ts";
import type { Resource } from "./refresher.ts";

type Hooks = { notice(text: string, error?: boolean): void; refresh(kinds: Resource[]): void };
let hooks: Hooks = { notice() {}, refresh() {} };

export function actHooks(h: Hooks): void {
  hooks = h;
}

export async function act(question: string, method: string, path: string, done: string, refresh: Resource[]): Promise<void> {
  if (!confirmed(question)) return;
  try {
    await call(method, path);
    hooks.notice(done);
  } catch (err) {
    hooks.notice(err instanceof CallError ? `${err.code}: ${err.message}` : String(err), true);
  } finally {
    hooks.refresh(refresh);
  }
}

export const enc = encodeURIComponent;
