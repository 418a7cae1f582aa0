/**
 * Graceful shutdown (SPEC §1): new submissions get 503; nothing new is dispatched; running
 * jobs get `shutdown.grace_s`; jobs still running then go back to queued (the attempt not
 * counted) for the next start; workers get SIGTERM and SIGKILL 2 s later; the IO engine
 * flushes the journal and exits; the supervisor exits 0. A second signal skips the grace.
 *
 * The drain is the IO engine's (src/io/dispatch/drain.ts): the supervisor asks for it and
 * waits for its answer, then stops the processes.
 */
import type { IoLink } from "./link.ts";
import type { LogStore } from "./logs.ts";
import type { Supervisor } from "./supervisor.ts";
import type { ProcessTable } from "./table.ts";

const KILL_AFTER_MS = 2000;
/** The drain answers at its deadline; past that plus this, the processes are stopped anyway. */
const DRAIN_SLACK_MS = 5000;

export class Shutdown {
  readonly done: Promise<void>;
  private finish!: () => void;

  constructor(
    private readonly sup: Supervisor,
    private readonly table: ProcessTable,
    private readonly link: IoLink,
    private readonly logs: LogStore,
    private readonly graceMs: number,
  ) {
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  begin(why: string): void {
    if (this.sup.phase.kind === "stopping") {
      if (this.sup.phase.skipped) return;
      this.logs.write("supervisor", `${why} again: not waiting for running jobs`);
      this.sup.phase = { kind: "stopping", skipped: true };
      // The first drain's answer comes now, with the jobs it put back.
      void this.link.call("drain", { grace_ms: 0 }, DRAIN_SLACK_MS);
      return;
    }
    this.sup.phase = { kind: "stopping", skipped: false };
    this.table.shuttingDown = true;
    void this.run(why);
  }

  private async run(why: string): Promise<void> {
    this.logs.write("supervisor", `${why}: shutting down; running jobs get ${this.graceMs / 1000} s to finish`);
    const answer = await this.link.call("drain", { grace_ms: this.graceMs }, this.graceMs + DRAIN_SLACK_MS);
    if (answer.ok && answer.value.requeued.length) this.logs.write("supervisor", `${answer.value.requeued.length} running job(s) went back to the queue for the next start`);
    await this.table.stopAll((c) => c.spec.runtime !== "io", KILL_AFTER_MS);
    await this.table.stopAll((c) => c.spec.runtime === "io", KILL_AFTER_MS);
    this.finish();
  }
}
