/** `gaia start [--config F]` and `gaia config check [F]`: the commands that read the config. */
import { findConfigFile, loadConfig, type LoadedConfig } from "../config/load.ts";
import { installJsonConsole } from "../lib/json-log.ts";
import { runSupervisor } from "../supervisor/main.ts";

const START_USAGE = `usage: gaia start [--config FILE]

Runs gaia in the foreground: the supervisor, the IO engine and the worker pools.
FILE defaults to $GAIA_CONFIG, else ./gaia.toml when present, else built-in defaults.
Stop it with Ctrl-C, SIGTERM, or 'gaia stop'.`;

/** The config for a command line, or the exit code after printing why there is none. */
function configFrom(file: string | undefined): LoadedConfig | number {
  const loaded = loadConfig(findConfigFile(file));
  if (!loaded.ok) {
    for (const problem of loaded.problems) console.error(problem);
    return 2;
  }
  return loaded.value;
}

export async function startCommand(argv: string[]): Promise<number> {
  // Under GAIA_LOG_FORMAT=json even a bad config is a JSON line, from the supervisor.
  installJsonConsole("supervisor");
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return (console.log(START_USAGE), 0);
    if (arg === "--config" && argv[i + 1] !== undefined) file = argv[++i];
    else if (arg.startsWith("--config=")) file = arg.slice("--config=".length);
    else return (console.error(`gaia start: unexpected argument '${arg}'\n${START_USAGE}`), 2);
  }
  const loaded = configFrom(file);
  if (typeof loaded === "number") return loaded;
  return runSupervisor(loaded);
}

const CHECK_USAGE = `usage: gaia config check [FILE]

Validates the config and prints the effective config (every default filled in) as JSON.
FILE defaults to $GAIA_CONFIG, else ./gaia.toml when present, else built-in defaults.`;

export function configCheck(argv: string[]): number {
  if (argv.includes("--help") || argv.includes("-h")) return (console.log(CHECK_USAGE), 0);
  const unexpected = argv.find((a) => a.startsWith("-")) ?? argv[1];
  if (unexpected !== undefined) return (console.error(`gaia config check: unexpected argument '${unexpected}'\n${CHECK_USAGE}`), 2);
  const loaded = configFrom(argv[0]);
  if (typeof loaded === "number") return loaded;
  const { config, file, runDir, dataDir, controlSocket } = loaded;
  console.log(JSON.stringify({ file, resolved: { run_dir: runDir, data_dir: dataDir, control_socket: controlSocket }, config }, null, 2));
  return 0;
}
