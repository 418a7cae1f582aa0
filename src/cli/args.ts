/**
 * A tiny argv parser for the client commands.
 *
 * Each command declares its flags and positionals; the parser knows `--x value`, `--x=value`,
 * boolean flags, repeatable (list) flags, one-letter aliases (`-f`) and `--` (everything after
 * it is positional). Flags may come before or after positionals. An unknown flag is a usage
 * error that names it and the closest flag the command knows (`--paylod`: did you mean
 * --payload?), else lists them, so a typo is reported instead of silently ignored. The
 * GLOBAL_FLAGS (where gaia is, `--json`, `--help`) are accepted by every client command.
 */
import { usageError } from "./errors.ts";
import { closest } from "./suggest.ts";

export type FlagSpec = {
  type: "string" | "boolean" | "list";
  short?: string;
  /** The values it takes, for completion (`--state`'s job states). */
  values?: readonly string[];
  /** Its value names a file or a folder, for completion. */
  path?: "file" | "dir";
  /** What the value is, as help and completion show it (`N`, `S`, `FILE`). */
  meta?: string;
};

export type ArgSpec = {
  flags: Record<string, FlagSpec>;
  /** Positional names for messages; a trailing `?` marks an optional one (`WORKER?`). */
  positionals: string[];
};

export type FlagValue = string | boolean | string[];
export type ParsedArgs = { flags: Map<string, FlagValue>; positionals: string[] };

/** Where gaia is (one of --config, --socket, --url) and how to print. */
export const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  config: { type: "string", path: "file", meta: "FILE" },
  socket: { type: "string", path: "file", meta: "PATH" },
  url: { type: "string", meta: "URL" },
  token: { type: "string", meta: "TOKEN" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

export function parseArgs(argv: string[], spec: ArgSpec, globals: Record<string, FlagSpec> = GLOBAL_FLAGS): ParsedArgs {
  const flags = { ...spec.flags, ...globals };
  const parsed: ParsedArgs = { flags: new Map(), positionals: [] };
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPositionals || arg === "-" || !arg.startsWith("-")) parsed.positionals.push(arg);
    else if (arg === "--") onlyPositionals = true;
    else i = readFlag(argv, i, flags, parsed);
  }
  checkPositionals(parsed.positionals, spec.positionals);
  return parsed;
}

/** True when argv asks for help before any `--`; checked before parsing so that
 * `gaia submit --help` works even when the rest of the line is incomplete. */
export function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf("--");
  const flags = end === -1 ? argv : argv.slice(0, end);
  return flags.includes("--help") || flags.includes("-h");
}

/** Reads the flag at argv[i] into `parsed`; returns the index of the last argv item used. */
function readFlag(argv: string[], i: number, flags: Record<string, FlagSpec>, parsed: ParsedArgs): number {
  const arg = argv[i]!;
  const eq = arg.indexOf("=");
  const written = eq === -1 ? arg : arg.slice(0, eq);
  const inline = eq === -1 ? undefined : arg.slice(eq + 1);
  const name = lookupFlag(written, flags);
  const spec = flags[name]!;
  if (spec.type === "boolean") {
    if (inline !== undefined) throw usageError(`${written} takes no value (got '${arg}')`);
    parsed.flags.set(name, true);
    return i;
  }
  let next = i;
  let value = inline;
  if (value === undefined) value = argv[++next];
  if (value === undefined) throw usageError(`${written} needs a value`);
  if (spec.type === "list") {
    const before = parsed.flags.get(name);
    parsed.flags.set(name, [...(Array.isArray(before) ? before : []), value]);
  } else {
    parsed.flags.set(name, value); // given twice: the last one wins, as in most CLIs
  }
  return next;
}

function lookupFlag(written: string, flags: Record<string, FlagSpec>): string {
  if (written.startsWith("--")) {
    const name = written.slice(2);
    if (Object.hasOwn(flags, name)) return name;
  } else {
    for (const [name, spec] of Object.entries(flags)) if (spec.short !== undefined && `-${spec.short}` === written) return name;
  }
  const guess = written.startsWith("--") ? closest(written.slice(2), Object.keys(flags)) : undefined;
  if (guess !== undefined) throw usageError(`unknown flag ${written}; did you mean --${guess}?`);
  const known = Object.entries(flags).map(([name, spec]) => (spec.short ? `-${spec.short}/--${name}` : `--${name}`));
  throw usageError(`unknown flag ${written} (this command knows ${known.join(", ")})`);
}

function checkPositionals(given: string[], names: string[]): void {
  const required = names.filter((name) => !name.endsWith("?"));
  if (given.length < required.length) throw usageError(`missing ${required[given.length]}`);
  if (given.length > names.length) throw usageError(`unexpected argument '${given[names.length]}'`);
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === "string" ? value : undefined;
}

export function booleanFlag(args: ParsedArgs, name: string): boolean {
  return args.flags.get(name) === true;
}

export function listFlag(args: ParsedArgs, name: string): string[] {
  const value = args.flags.get(name);
  return Array.isArray(value) ? value : [];
}

/** An integer flag >= min, or undefined when absent; anything else is a usage error. */
export function integerFlag(args: ParsedArgs, name: string, min: number): number | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || value < min) {
    throw usageError(`--${name}: expected an integer >= ${min}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** A number of seconds > 0 (fractions allowed), or undefined when absent. */
export function secondsFlag(args: ParsedArgs, name: string): number | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw usageError(`--${name}: expected a number of seconds > 0, got ${JSON.stringify(text)}`);
  }
  return value;
}
