/**
 * A starting IO engine dispatches nothing until every configured worker has said hello, or
 * for at most HOLD_MS: after an engine restart, a job the journal still shows as queued may
 * be running on a worker that has not reconnected yet, and would otherwise run twice. On a
 * first start no worker runs anything, and the wait only overlaps the workers' own start.
 */
export const HOLD_MS = 2000;

export class StartHold {
  private holding = true;

  /** `complete()` says whether every worker is back; `release()` runs once, when the hold ends. */
  constructor(
    private readonly complete: () => boolean,
    private readonly release: () => void,
    holdMs = HOLD_MS,
  ) {
    setTimeout(() => this.end(), holdMs);
  }

  get active(): boolean {
    return this.holding;
  }

  /** Called on each hello. */
  check(): void {
    if (this.holding && this.complete()) this.end();
  }

  private end(): void {
    if (!this.holding) return;
    this.holding = false;
    this.release();
  }
}
