/**
 * `gaia config check [FILE]` and `gaia config schema` (SPEC §3). Neither talks to a running
 * gaia. FILE (or `--config FILE`) defaults to $GAIA_CONFIG, else ./gaia.toml, else the
 * built-in defaults, as for `gaia start`.
 *
 * `check` prints `{file, resolved, config, tasks}` as JSON: the effective config with every
 * default filled in and the tasks each pool serves. Otherwise one `config: ...` line per
 * problem and exit 2: the schema's problems first (nothing is loaded for a file that does
 * not parse), then those of loading the pools' modules and of tasks no pool serves.
 */
import { redactUrl } from "../../config/cluster.ts";
import { findConfigFile, loadConfig } from "../../config/load.ts";
import { stringFlag } from "../args.ts";
import type { Command } from "../command.ts";
import { checkPools } from "../config-check.ts";
import { configJsonSchema } from "../config-schema.ts";
import { CliError, EXIT, usageError } from "../errors.ts";
import { printJson } from "../output.ts";
import { didYouMean } from "../suggest.ts";

const ACTIONS = ["check", "schema"] as const;

export const config: Command = {
  summary: "check a config (and load its modules), or print its JSON Schema",
  subcommands: ACTIONS,
  flags: {},
  positionals: ["ACTION", "FILE?"],
  async run(ctx) {
    const [action, file] = ctx.args.positionals as [string, string | undefined];
    if (action === "schema") {
      if (file !== undefined) throw usageError(`config schema takes no FILE (got '${file}'): the schema is the same for every file`);
      await printJson(configJsonSchema());
      return EXIT.ok;
    }
    if (action !== "check") throw usageError(`unknown action '${action}'${didYouMean(action, ACTIONS)} (expected ${ACTIONS.join(" or ")})`);
    const flagged = stringFlag(ctx.args, "config");
    if (file !== undefined && flagged !== undefined && file !== flagged) throw usageError(`give the file once: '${file}' or --config ${flagged}`);
    const loaded = loadConfig(findConfigFile(file ?? flagged));
    if (!loaded.ok) throw new CliError(EXIT.usage, "bad config", { lines: loaded.problems });
    const checked = await checkPools(loaded.value.config);
    if (checked.problems.length) throw new CliError(EXIT.usage, "bad config", { lines: checked.problems });
    const { config, file: from, runDir, dataDir, controlSocket } = loaded.value;
    // The effective config, but never the cluster URL's password.
    const shown = config.cluster ? { ...config, cluster: { ...config.cluster, url: redactUrl(config.cluster.url) } } : config;
    await printJson({ file: from, resolved: { run_dir: runDir, data_dir: dataDir, control_socket: controlSocket }, config: shown, tasks: checked.tasks });
    return EXIT.ok;
  },
};
