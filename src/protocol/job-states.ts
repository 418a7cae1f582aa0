/**
 * A job's states (SPEC §5), defined once: the API's schemas, the CLI, the metrics and the
 * journal all take them from here.
 *
 *   queued → running → succeeded | failed | timed_out | cancelled
 *
 * A retry puts a job back to `queued` (attempts + 1, a not-before time); shutdown puts a
 * running one back without counting its attempt.
 */
import { z } from "zod";

export const TERMINAL_STATES = ["succeeded", "failed", "timed_out", "cancelled"] as const;
export const JOB_STATES = ["queued", "running", ...TERMINAL_STATES] as const;

export const JobStateSchema = z.enum(JOB_STATES);
export type JobState = (typeof JOB_STATES)[number];
export type TerminalState = (typeof TERMINAL_STATES)[number];

const terminal: ReadonlySet<string> = new Set(TERMINAL_STATES);

export function isTerminal(state: string): state is TerminalState {
  return terminal.has(state);
}
