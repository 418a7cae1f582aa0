/**
 * `gaia config schema`: a JSON Schema of the config file for editors (SPEC §3), made from the
 * zod schemas that validate it (src/config/schema.ts), so it cannot drift from them.
 *
 * It describes the input side: what a file may say, before defaults and transforms (a pool's
 * `size` is optional there). Refinements that JSON Schema cannot say (a cron pattern croner
 * accepts, exactly one of cron / every_s / loop) are left to `gaia config check`. The default
 * of `pools` is left out: it is a parsed pool (with fields a file may not set, and this
 * machine's CPU count), not something to write.
 */
import { z } from "zod";
import { Config } from "../config/schema.ts";

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Config, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Record<string, any>;
  const pools = schema.properties?.pools;
  if (pools && typeof pools === "object") {
    delete pools.default;
    pools.description = 'Worker pools; without any, one Bun pool "default" with a worker per CPU serving the built-in tasks echo and sleep.';
  }
  return {
    ...schema,
    title: "gaia configuration (gaia.toml or gaia.json)",
    description: "Every key has a default; unknown keys are errors. Run 'gaia config check' for the checks a schema cannot make.",
  };
}
