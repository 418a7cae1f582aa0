/** `gaia version`: this binary's version; needs no config and no running gaia. */
import type { Command } from "../command.ts";
import { EXIT } from "../errors.ts";
import { print, printJson } from "../output.ts";
import { VERSION } from "../../version.ts";

export const version: Command = {
  summary: "print this binary's version",
  flags: {},
  positionals: [],
  async run(ctx) {
    if (ctx.json) await printJson({ version: VERSION });
    else await print(`gaia ${VERSION}`);
    return EXIT.ok;
  },
};
