/**
 * Where the control API is (SPEC §14), decided once when a client is made:
 *
 *   1. `socket` given: that Unix socket.
 *   2. `url` given: that http(s) URL, with `token` (else $GAIA_TOKEN) as the bearer token.
 *   3. $GAIA_SOCKET.
 *   4. $GAIA_URL with $GAIA_TOKEN.
 *   5. `./.gaia/run/gaia.sock`, where `gaia start` without a config puts it.
 *
 * The same order as the Python client's, so one environment serves both. Relative socket
 * paths are taken from `cwd` (the process's working directory by default).
 */
import { resolve } from "node:path";

export const DEFAULT_SOCKET = ".gaia/run/gaia.sock";

export type Endpoint =
  | { kind: "unix"; socket: string }
  | { kind: "tcp"; url: URL; token: string | null };

export type EndpointOptions = {
  socket?: string;
  url?: string;
  token?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
};

export function resolveEndpoint(options: EndpointOptions = {}): Endpoint {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  if (nonEmpty(options.socket) && nonEmpty(options.url)) throw new TypeError("GaiaClient: give `socket` or `url`, not both");
  if (nonEmpty(options.socket)) return { kind: "unix", socket: resolve(cwd, options.socket) };
  if (nonEmpty(options.url)) return tcp(options.url, options.token ?? env.GAIA_TOKEN);
  if (nonEmpty(env.GAIA_SOCKET)) return { kind: "unix", socket: resolve(cwd, env.GAIA_SOCKET) };
  if (nonEmpty(env.GAIA_URL)) return tcp(env.GAIA_URL, options.token ?? env.GAIA_TOKEN);
  return { kind: "unix", socket: resolve(cwd, DEFAULT_SOCKET) };
}

/** The endpoint as people read it: the socket's path, or the URL without a trailing slash. */
export function describeEndpoint(endpoint: Endpoint): string {
  return endpoint.kind === "unix" ? endpoint.socket : endpoint.url.href.replace(/\/$/, "");
}

function tcp(text: string, token: string | undefined): Endpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`GaiaClient: the URL must look like http://HOST:PORT or https://HOST:PORT, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`GaiaClient: the URL must be http:// or https://, got ${JSON.stringify(text)}`);
  }
  if (url.search !== "" || url.hash !== "") throw new TypeError(`GaiaClient: the URL takes no query or fragment, got ${JSON.stringify(text)}`);
  return { kind: "tcp", url, token: nonEmpty(token) ? token : null };
}

function nonEmpty(value: string | undefined): value is string {
  return typeof value === "string" && value !== "";
}
