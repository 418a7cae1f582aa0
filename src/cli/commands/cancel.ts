/**
 * `gaia cancel ID`: a queued job is removed, a running one has its worker killed (SPEC §5).
 * A job that already ended answers 409, which exits 2 with the server's reason.
 */
import type { Command } from "../command.ts";
import { EXIT } from "../errors.ts";
import { print, printJson } from "../output.ts";

export const cancel: Command = {
  summary: "cancel a queued or running job",
  flags: {},
  positionals: ["ID"],
  async run(ctx) {
    const id = ctx.args.positionals[0]!;
    const body = await ctx.client().cancel(id);
    if (ctx.json) await printJson(body);
    else await print(`cancelled ${body?.id ?? id}`);
    return EXIT.ok;
  },
};
