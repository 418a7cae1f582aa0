/**
 * `gaia start`'s arguments, apart from start.ts so that the command table (help, "did you
 * mean", completions) knows them without loading the supervisor's code.
 */
import type { ArgSpec } from "./args.ts";

export const START_SPEC: ArgSpec = {
  flags: { config: { type: "string", path: "file", meta: "FILE" }, help: { type: "boolean", short: "h" } },
  positionals: [],
};
