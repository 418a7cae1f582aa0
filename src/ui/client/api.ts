/**
 * The page's calls to the control API, on the origin that served it. Over TCP the browser
 * sends the HttpOnly cookie set at sign-in; the page never sees the token. A 401 sends the
 * page back to the sign-in form; other errors arrive as the API's `{error: {code, message}}`
 * and are shown with their message.
 */

export class CallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthorized: () => void = () => {};

export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, "content-type": "application/json" };
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new CallError(0, "unreachable", `gaia cannot be reached: ${(err as Error).message}`);
  }
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (res.ok) return parsed as T;
  if (res.status === 401) onUnauthorized();
  const error = parsed?.error ?? { code: "http_" + res.status, message: `${method} ${path} answered ${res.status}` };
  throw new CallError(res.status, error.code, error.message);
}

export const get = <T>(path: string) => call<T>("GET", path);

/** The 404 codes that say a route is not there: none at all, or no cluster to answer it (a gaia of one host). */
const ABSENT = new Set(["not_found", "not_clustered"]);

/** A route that may not exist in this gaia (sessions, nodes): null when it answers 404. */
export async function getOptional<T>(path: string): Promise<T | null> {
  try {
    return await get<T>(path);
  } catch (err) {
    if (err instanceof CallError && err.status === 404 && ABSENT.has(err.code)) return null;
    throw err;
  }
}
