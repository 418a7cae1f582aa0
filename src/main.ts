/**
 * argv → role. One binary plays every part; the role always comes from argv (SPEC §1):
 *   gaia __io --state FILE          the IO engine (spawned by the supervisor)
 *   gaia __worker --socket ... ...  a Bun worker (spawned by the supervisor)
 *   gaia __node --socket ... ...    a Bun pipeline node (spawned for a session, SPEC §12)
 *   gaia __tasks --modules JSON ... a throwaway loader of a pool's modules (`config check`)
 *   gaia start                      the supervisor
 *   gaia <anything else>            the CLI: config, completion, and the client commands
 *
 * Each role's code is imported when that role starts, so a worker does not load the API, the
 * journal or the CLI (less to parse at start, a smaller heap for the idle GC to walk).
 */
import { USAGE } from "./cli/usage.ts";
import { installJsonConsole } from "./lib/json-log.ts";
import { shouldRunAsInit } from "./supervisor/init-policy.ts";
import { VERSION } from "./version.ts";

async function main(argv: string[]): Promise<number | null> {
  const [command, ...rest] = argv;
  switch (command) {
    case "__io":
      installJsonConsole();
      await (await import("./io/main.ts")).runIoEngine(rest);
      return null; // serves until told to stop
    case "__worker":
      installJsonConsole();
      await (await import("../workers/main.ts")).runWorker(rest);
      return null;
    case "__node":
      installJsonConsole();
      await (await import("../workers/node/main.ts")).runNode(rest);
      return null;
    case "__tasks":
      return (await import("../workers/list-tasks.ts")).listTasks(rest);
    case "start":
      // A container's entrypoint (pid 1) is its init too: the supervisor then runs as its
      // child. Decided before the supervisor's code is loaded, so init stays small.
      if (shouldRunAsInit(process.pid, process.env)) return (await import("./supervisor/init.ts")).runInit(["start", ...rest]);
      return (await import("./cli/start.ts")).startCommand(rest);
    case "--version":
    case "-v":
      console.log(VERSION);
      return 0;
    case "--help":
    case "-h":
    case "help":
      console.log(USAGE);
      return 0;
    case undefined:
      console.error(USAGE);
      return 2;
    default:
      return (await import("./cli/index.ts")).runClientCommand(command, rest);
  }
}

const code = await main(process.argv.slice(2));
if (code !== null) process.exit(code);
