/**
 * The one error type the client commands throw. Every command ends in `index.ts`'s funnel,
 * which prints `gaia: MESSAGE` to stderr and turns the error into the exit code (SPEC §8).
 * Anything that is not a CliError is a bug in gaia and is left to crash loudly.
 */

/** SPEC §8's exit codes. */
export const EXIT = {
  ok: 0,
  /** The job failed (`submit --wait`), or gaia could not do what was asked right now. */
  failed: 1,
  /** Usage or config error, or a request the API refused as wrong (400, 404, 409, 413). */
  usage: 2,
  /** gaia cannot be reached, or cannot take requests now (503). */
  unreachable: 3,
} as const;

export type CliErrorOptions = {
  /** A command-line mistake: the funnel adds a pointer to the command's --help. */
  usage?: boolean;
  /** Lines printed exactly as given instead of `gaia: MESSAGE` (config problems). */
  lines?: string[];
};

export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly options: CliErrorOptions = {},
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function usageError(message: string): CliError {
  return new CliError(EXIT.usage, message, { usage: true });
}
