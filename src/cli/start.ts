/** `gaia start [--config F]`: load the config, then become the supervisor. */
import { clusterOf } from "../config/cluster.ts";
import { PgJournal } from "../io/journal/pg-journal.ts";
import { findConfigFile, loadConfig } from "../config/load.ts";
import { installJsonConsole } from "../lib/json-log.ts";
import { runSupervisor } from "../supervisor/main.ts";
import { parseArgs, stringFlag, wantsHelp } from "./args.ts";
import { CliError } from "./errors.ts";
import { START_SPEC } from "./start-spec.ts";
import { commandUsage } from "./usage.ts";

export async function startCommand(argv: string[]): Promise<number> {
  // Under GAIA_LOG_FORMAT=json even a bad config is a JSON line, from the supervisor.
  installJsonConsole("supervisor");
  if (wantsHelp(argv)) return (console.log(commandUsage("start")), 0);
  let file: string | undefined;
  try {
    // Only --config: the flags that say where a running gaia is mean nothing to the one starting.
    file = stringFlag(parseArgs(argv, START_SPEC, START_SPEC.flags), "config");
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    console.error(`gaia start: ${err.message}\nRun 'gaia start --help' for usage.`);
    return err.exitCode;
  }
  const loaded = loadConfig(findConfigFile(file));
  if (!loaded.ok) {
    for (const problem of loaded.problems) console.error(problem);
    return 2;
  }
  const cluster = await clusterProblem(loaded.value.config);
  if (cluster) return (console.error(`cluster: ${cluster}`), 2);
  return runSupervisor(loaded.value);
}

/**
 * A node checks its cluster's journal before it starts anything (SPEC §13): a wrong URL, a
 * refused password, a server that is not there, a schema from a newer gaia: one line, exit
 * 2. Opening it brings the schema to this gaia's version, once, before any engine uses it.
 */
async function clusterProblem(config: Parameters<typeof clusterOf>[0]): Promise<string | null> {
  const { url } = clusterOf(config);
  if (!url) return null;
  try {
    const journal = await PgJournal.open(url, { maxConnections: 1, connectTimeoutS: 5 });
    await journal.close();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
