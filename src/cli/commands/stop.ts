/**
 * `gaia stop`: ask for a graceful shutdown, then wait until the socket stops answering, so
 * that `gaia stop && gaia start` never races the old supervisor for its socket.
 */
import { GaiaApiError, GaiaUnreachableError, type GaiaClient } from "../../client/index.ts";
import type { Command } from "../command.ts";
import { CliError, EXIT } from "../errors.ts";
import { print, printJson } from "../output.ts";

const POLL_MS = 100;
/** Longer than the default shutdown grace (8 s) plus the 2 s SIGKILL delay, with room. */
const GIVE_UP_MS = 30_000;

export const stop: Command = {
  summary: "stop gracefully and wait until gaia is gone",
  flags: {},
  positionals: [],
  async run(ctx) {
    const client = ctx.client();
    try {
      await client.shutdown();
    } catch (err) {
      // A 503 (the IO engine is down, say) still leaves a supervisor to wait for; a second
      // `gaia stop` while one is under way skips the grace, as a second signal does.
      if (!(err instanceof GaiaApiError && err.status === 503)) throw err;
    }
    const deadline = Date.now() + GIVE_UP_MS;
    while (await answers(client, 1000)) {
      if (Date.now() >= deadline) {
        throw new CliError(
          EXIT.failed,
          `gaia at ${client.where} still answers ${GIVE_UP_MS / 1000} s after the shutdown request (running jobs may have a long shutdown.grace_s)`,
        );
      }
      await Bun.sleep(POLL_MS);
    }
    if (ctx.json) await printJson({ stopped: true });
    else await print("gaia stopped");
    return EXIT.ok;
  },
};

/** Whether anything still answers; a slow answer (a timeout) counts as answering. */
async function answers(client: GaiaClient, timeoutMs: number): Promise<boolean> {
  try {
    await client.health({ timeoutMs });
    return true;
  } catch (err) {
    if (err instanceof GaiaUnreachableError) return err.code === "timeout";
    return true;
  }
}
