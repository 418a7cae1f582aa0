/** What every client command is: its arguments and a run function that returns an exit code. */
import type { ArgSpec, ParsedArgs } from "./args.ts";
import type { GaiaClient } from "./client.ts";

export type Context = {
  args: ParsedArgs;
  /** `--json`: print the API's JSON body instead of the human output. */
  json: boolean;
  /** The client for the resolved socket. Resolved on first use, so `gaia version` needs
   * neither a config nor a running gaia. */
  client(): GaiaClient;
};

export type Command = ArgSpec & {
  run(ctx: Context): Promise<number>;
};
