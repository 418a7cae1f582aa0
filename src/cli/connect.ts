/**
 * Where a client command finds gaia (SPEC §8), first match wins:
 *
 *   --url URL [--token T]   TCP; the token is --token, else $GAIA_TOKEN
 *   --socket PATH           that Unix socket
 *   --config FILE           the socket that FILE's run_dir and control.socket name
 *   $GAIA_SOCKET            a Unix socket
 *   $GAIA_URL               TCP, with $GAIA_TOKEN (or --token)
 *   otherwise               the socket of the config `gaia start` would read ($GAIA_CONFIG,
 *                           else ./gaia.toml, else the built-in defaults), so `gaia status`
 *                           beside `gaia start` needs no flags
 *
 * Giving two of --url, --socket and --config is a usage error rather than a silent choice.
 * Relative paths are taken from the current directory.
 */
import { resolve } from "node:path";
import type { ClientOptions } from "../client/index.ts";
import { findConfigFile, loadConfig } from "../config/load.ts";
import { stringFlag, type ParsedArgs } from "./args.ts";
import { CliError, EXIT, usageError } from "./errors.ts";

export function clientOptions(args: ParsedArgs, env = process.env, cwd = process.cwd()): ClientOptions {
  const url = stringFlag(args, "url");
  const socket = stringFlag(args, "socket");
  const config = stringFlag(args, "config");
  const token = stringFlag(args, "token");
  const given = [url && "--url", socket && "--socket", config && "--config"].filter(Boolean);
  if (given.length > 1) throw usageError(`${given.join(" and ")} both say where gaia is; give one of them`);
  // The client reads no environment of its own: what is decided here is all it gets.
  const fixed = { env: {}, cwd };
  if (url) return { ...fixed, url, token: token ?? env.GAIA_TOKEN };
  if (token !== undefined && !env.GAIA_URL) throw usageError("--token goes with --url URL (or $GAIA_URL): a Unix socket needs no token");
  if (socket) return { ...fixed, socket: resolve(cwd, socket) };
  if (config) return { ...fixed, socket: socketOf(config, env, cwd) };
  if (env.GAIA_SOCKET) return { ...fixed, socket: resolve(cwd, env.GAIA_SOCKET) };
  if (env.GAIA_URL) return { ...fixed, url: env.GAIA_URL, token: token ?? env.GAIA_TOKEN };
  return { ...fixed, socket: socketOf(undefined, env, cwd) };
}

/** The control socket of a config file (or of the one `gaia start` would find). */
function socketOf(file: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  const loaded = loadConfig(findConfigFile(file, env, cwd), env, cwd);
  // The problems are already one line each (`config: ...`); print them as they are.
  if (!loaded.ok) throw new CliError(EXIT.usage, "bad config", { lines: loaded.problems });
  return loaded.value.controlSocket;
}
