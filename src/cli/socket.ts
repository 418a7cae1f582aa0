/**
 * Which control socket a client command talks to: `--socket PATH`, else $GAIA_SOCKET, else
 * `control.socket` of the config that `gaia start` would read ($GAIA_CONFIG, else ./gaia.toml,
 * else the built-in defaults), so `gaia status` next to `gaia start` needs no flags.
 * Relative paths are taken from the current directory.
 */
import { resolve } from "node:path";
import { findConfigFile, loadConfig } from "../config/load.ts";
import { CliError, EXIT } from "./errors.ts";

export function resolveSocket(flag: string | undefined, env = process.env, cwd = process.cwd()): string {
  if (flag !== undefined && flag !== "") return resolve(cwd, flag);
  if (env.GAIA_SOCKET) return resolve(cwd, env.GAIA_SOCKET);
  const loaded = loadConfig(findConfigFile(undefined, env, cwd), env, cwd);
  if (!loaded.ok) {
    // The problems are already one line each (`config: ...`); print them as they are.
    throw new CliError(EXIT.usage, "bad config", { lines: loaded.problems });
  }
  return loaded.value.controlSocket;
}
