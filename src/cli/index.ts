/**
 * The CLI: every `gaia` command but `start` (main.ts runs that one itself), SPEC §8.
 *
 * This file wires the small pieces together: look the command up (a typo gets "did you
 * mean"), answer --help, parse the arguments, hand the command a lazily made client, and
 * funnel every CliError, and every client error turned into one, into one `gaia: ...` line on
 * stderr and its exit code. It never calls process.exit: the caller does, after the returned
 * code. Errors that are neither are bugs and are rethrown.
 */
import { GaiaClient } from "../client/index.ts";
import { booleanFlag, parseArgs, wantsHelp, type ParsedArgs } from "./args.ts";
import type { Context } from "./command.ts";
import { clientOptions } from "./connect.ts";
import { CliError, cliErrorFrom, EXIT } from "./errors.ts";
import { print, printError } from "./output.ts";
import { COMMANDS } from "./registry.ts";
import { didYouMean } from "./suggest.ts";
import { commandUsage } from "./usage.ts";

export async function runClientCommand(command: string, argv: string[]): Promise<number> {
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (spec === undefined) {
    await printError(`gaia: unknown command '${command}'${didYouMean(command, [...Object.keys(COMMANDS), "help"])}\nRun 'gaia --help' for the list of commands.`);
    return EXIT.usage;
  }
  if (wantsHelp(argv)) {
    await print(commandUsage(command));
    return EXIT.ok;
  }
  try {
    return await spec.run(makeContext(parseArgs(argv, spec)));
  } catch (err) {
    const cliError = err instanceof CliError ? err : cliErrorFrom(err);
    if (cliError) return reportError(cliError, command);
    throw err;
  }
}

function makeContext(args: ParsedArgs): Context {
  let client: GaiaClient | undefined;
  return {
    args,
    json: booleanFlag(args, "json"),
    client: () => (client ??= new GaiaClient(clientOptions(args))),
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
