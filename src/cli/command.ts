/**
 * What every command is: its arguments, a one-line summary, and a run function that returns
 * an exit code. The table of them (registry.ts) drives parsing, "did you mean", and the shell
 * completions, so a flag added here is completed without anyone editing a script.
 */
import type { ArgSpec, ParsedArgs } from "./args.ts";
import type { GaiaClient } from "../client/index.ts";

export type Context = {
  args: ParsedArgs;
  /** `--json`: print the API's JSON body instead of the human output. */
  json: boolean;
  /** The client for the resolved endpoint. Resolved on first use, so `gaia version` needs
   * neither a config nor a running gaia. */
  client(): GaiaClient;
};

export type Command = ArgSpec & {
  /** One line for completions' descriptions. */
  summary: string;
  /** Words the first positional takes (`schedule run|pause|resume`), for parsing and completion. */
  subcommands?: readonly string[];
  run(ctx: Context): Promise<number>;
};
