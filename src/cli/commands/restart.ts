/**
 * `gaia restart WORKER|POOL`: a planned replacement (not counted as a crash). A name that is
 * a pool's restarts the whole pool, one worker at a time, each new one ready before the next
 * goes; any other name is taken for a worker id (`default-0`). Pool names and worker ids
 * cannot be confused: a worker id is its pool's name, a dash and a number.
 */
import { GaiaApiError, type GaiaClient } from "../../client/index.ts";
import type { Command } from "../command.ts";
import { CliError, EXIT } from "../errors.ts";
import { print, printJson } from "../output.ts";
import { didYouMean } from "../suggest.ts";

export const restart: Command = {
  summary: "restart a worker, or every worker of a pool one at a time",
  flags: {},
  positionals: ["WORKER|POOL"],
  async run(ctx) {
    const name = ctx.args.positionals[0]!;
    const client = ctx.client();
    // The supervisor's own status (the IO engine restarting) may list no pools yet.
    const pools = (await client.status()).pools?.map((p) => p.name) ?? [];
    if (pools.includes(name)) {
      const body = await client.restartPool(name);
      if (ctx.json) await printJson(body);
      else await print(`restarting pool ${body.pool}, one worker at a time: ${body.workers.join(", ") || "no workers"}`);
    } else {
      const body = await client.restartWorker(name).catch((err) => notFound(err, client, name, pools));
      if (ctx.json) await printJson(body);
      else await print(`restarting ${body.id}`);
    }
    return EXIT.ok;
  },
};

/** A 404 for the name, said in the CLI's words: what there is, and the closest name. */
async function notFound(err: unknown, client: GaiaClient, name: string, pools: string[]): Promise<never> {
  if (!(err instanceof GaiaApiError) || err.status !== 404) throw err;
  const workers = (await client.workers()).workers.filter((w) => !w.spare).map((w) => w.id);
  const known = [...pools, ...workers];
  throw new CliError(EXIT.usage, `no pool or worker '${name}'${didYouMean(name, known)} (pools: ${pools.join(", ") || "none"}; workers: ${workers.join(", ") || "none"})`);
}
