/**
 * The table of every command the `gaia` binary takes, in the order `gaia --help` lists them.
 * Parsing, "did you mean", and the shell completions read it, so they cannot drift apart.
 * `start` is run by main.ts before this table is loaded (as PID 1 it must become init first);
 * it is here so that help, completion and suggestions know it.
 */
import { GLOBAL_FLAGS, type FlagSpec } from "./args.ts";
import type { Command } from "./command.ts";
import { cancel } from "./commands/cancel.ts";
import { config } from "./commands/config.ts";
import { events } from "./commands/events.ts";
import { gpus } from "./commands/gpus.ts";
import { job } from "./commands/job.ts";
import { jobs } from "./commands/jobs.ts";
import { logs } from "./commands/logs.ts";
import { nodes } from "./commands/nodes.ts";
import { restart } from "./commands/restart.ts";
import { schedule } from "./commands/schedule.ts";
import { schedules } from "./commands/schedules.ts";
import { session, sessions } from "./commands/sessions.ts";
import { status } from "./commands/status.ts";
import { stop } from "./commands/stop.ts";
import { submit } from "./commands/submit.ts";
import { version } from "./commands/version.ts";
import { workers } from "./commands/workers.ts";
import { completionScript, SHELLS, type CompletionEntry, type Shell } from "./completion.ts";
import { EXIT, usageError } from "./errors.ts";
import { print } from "./output.ts";
import { START_SPEC } from "./start-spec.ts";
import { didYouMean } from "./suggest.ts";

const start: Command = {
  ...START_SPEC,
  summary: "run the supervisor, IO engine and worker pools (foreground)",
  async run(ctx) {
    const file = ctx.args.flags.get("config");
    return (await import("./start.ts")).startCommand(typeof file === "string" ? ["--config", file] : []);
  },
};

const completion: Command = {
  summary: "print a shell completion script (bash, zsh or fish)",
  subcommands: SHELLS,
  flags: {},
  positionals: ["SHELL"],
  async run(ctx) {
    const shell = ctx.args.positionals[0]!;
    if (!(SHELLS as readonly string[]).includes(shell)) throw usageError(`no completion for '${shell}'${didYouMean(shell, SHELLS)} (gaia completes ${SHELLS.join(", ")})`);
    await print(completionScript(shell as Shell, completionEntries()).trimEnd());
    return EXIT.ok;
  },
};

export const COMMANDS: Record<string, Command> = {
  start, stop, status, workers, restart, gpus, nodes, logs, events, config, completion, version,
  submit, job, jobs, cancel, schedules, schedule, sessions, session,
};

/** The flags a command takes: its own, and the global ones (start takes only --config). */
export function flagsOf(name: string): Record<string, FlagSpec> {
  const command = COMMANDS[name]!;
  return name === "start" ? command.flags : { ...command.flags, ...GLOBAL_FLAGS };
}

export function completionEntries(): CompletionEntry[] {
  return Object.entries(COMMANDS).map(([name, c]) => ({ name, summary: c.summary, flags: flagsOf(name), positionals: c.positionals, subcommands: c.subcommands }));
}
