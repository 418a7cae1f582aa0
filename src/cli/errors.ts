/**
 * The one error type the client commands throw. Every command ends in `index.ts`'s funnel,
 * which prints `gaia: MESSAGE` to stderr and turns the error into the exit code (SPEC §8).
 * Anything that is not a CliError (or a client error, turned into one below) is a bug in
 * gaia and is left to crash loudly.
 */
import { GaiaApiError, GaiaUnreachableError } from "../client/index.ts";

/** SPEC §8's exit codes. */
export const EXIT = {
  ok: 0,
  /** The job failed (`submit --wait`), or gaia could not do what was asked right now. */
  failed: 1,
  /** Usage or config error, or a request the API refused as wrong (400, 401, 404, 409, 413). */
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

/**
 * A client failure as the CLI's exit code and line (SPEC §8):
 *
 * - nothing answered (no socket, nobody listening, reset, timeout): 3, "cannot reach gaia".
 * - 503: 3 too: gaia is starting or stopping and takes no requests, which to a script is
 *   the same as not reachable (retry later, or start it).
 * - 429 (queue full), 507 (array store full), 5xx: 1: the request was fine but gaia could
 *   not do it now.
 * - any other 4xx: 2: the request itself was wrong (bad input, unknown job, job already
 *   finished, a wrong token); changing the command line fixes it, like a usage error.
 *
 * Anything else is not a client failure and comes back as null.
 */
export function cliErrorFrom(err: unknown): CliError | null {
  if (err instanceof GaiaUnreachableError) return new CliError(EXIT.unreachable, err.message);
  if (!(err instanceof GaiaApiError)) return null;
  const exitCode = err.status === 503 ? EXIT.unreachable : err.status === 429 || err.status >= 500 ? EXIT.failed : err.status >= 400 ? EXIT.usage : EXIT.failed;
  let text = `${err.code}: ${err.message}`;
  if (err.retryAfterS !== null) text += ` (retry after ${err.retryAfterS} s)`;
  if (err.status === 401) text += "; give the token with --token T or $GAIA_TOKEN (gaia keeps it in <run_dir>/token)";
  return new CliError(exitCode, text);
}
