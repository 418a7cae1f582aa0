/**
 * The client commands: everything `gaia` does by talking to a running gaia over its control
 * socket (SPEC §8), plus `version`. `start` and `config check` live in `start.ts`.
 *
 * This file wires the small pieces together: look the command up, answer --help, parse the
 * arguments, hand the command a lazily resolved client, and funnel every CliError into one
 * `gaia: ...` line on stderr and its exit code. It never calls process.exit: the caller does,
 * after the returned code. Errors that are not CliErrors are bugs and are rethrown.
 */
import { booleanFlag, parseArgs, stringFlag, wantsHelp, type ParsedArgs } from "./args.ts";
import { GaiaClient } from "./client.ts";
import type { Command, Context } from "./command.ts";
import { cancel } from "./commands/cancel.ts";
import { gpus } from "./commands/gpus.ts";
import { job } from "./commands/job.ts";
import { jobs } from "./commands/jobs.ts";
import { logs } from "./commands/logs.ts";
import { schedule } from "./commands/schedule.ts";
import { schedules } from "./commands/schedules.ts";
import { status } from "./commands/status.ts";
import { stop } from "./commands/stop.ts";
import { submit } from "./commands/submit.ts";
import { version } from "./commands/version.ts";
import { workers } from "./commands/workers.ts";
import { CliError, EXIT } from "./errors.ts";
import { print, printError } from "./output.ts";
import { resolveSocket } from "./socket.ts";
import { commandUsage } from "./usage.ts";

const COMMANDS: Record<string, Command> = { stop, status, workers, gpus, logs, submit, job, jobs, cancel, version, schedules, schedule };

export async function runClientCommand(command: string, argv: string[]): Promise<number> {
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (spec === undefined) {
    await printError(`gaia: unknown command '${command}'\nRun 'gaia --help' for the list of commands.`);
    return EXIT.usage;
  }
  if (wantsHelp(argv)) {
    await print(commandUsage(command));
    return EXIT.ok;
  }
  try {
    return await spec.run(makeContext(parseArgs(argv, spec)));
  } catch (err) {
    if (err instanceof CliError) return reportError(err, command);
    throw err;
  }
}

function makeContext(args: ParsedArgs): Context {
  let client: GaiaClient | undefined;
  return {
    args,
    json: booleanFlag(args, "json"),
    client: () => (client ??= new GaiaClient(resolveSocket(stringFlag(args, "socket")))),
  };
}

/** The one funnel for every failure a user can cause or meet. */
async function reportError(err: CliError, command: string): Promise<number> {
  const { lines, usage } = err.options;
  let text = lines ? lines.join("\n") : `gaia: ${err.message}`;
  if (usage) text += `\nRun 'gaia ${command} --help' for usage.`;
  await printError(text);
  return err.exitCode;
}
