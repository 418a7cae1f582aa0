/**
 * Graceful shutdown (SPEC §1): new submissions get 503; nothing new is dispatched; running
 * jobs get `shutdown.grace_s`; jobs still running then go back to queued (the attempt not
 * counted) for the next start; workers get SIGTERM and SIGKILL 2 s later; the IO engine
 * flushes the journal and exits; the supervisor exits 0. A second signal skips the grace.
 */
import type { IoLink } from "./io-link.ts";
import type { LogStore } from "./logs.ts";
import type { Supervisor } from "./supervisor.ts";
import type { ProcessTable } from "./table.ts";

const KILL_AFTER_MS = 2000;

export class Shutdown {
  readonly done: Promise<void>;
  private finish!: () => void;
  private skipGrace: (() => void) | null = null;
  private begun = false;

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
    if (this.begun) {
      this.logs.write("supervisor", `${why} again: not waiting for running jobs`);
      this.skipGrace?.();
      return;
    }
    this.begun = true;
    this.sup.state = "stopping";
    this.table.shuttingDown = true;
    void this.run(why);
  }

  private async run(why: string): Promise<void> {
    this.logs.write("supervisor", `${why}: shutting down; running jobs get ${this.graceMs / 1000} s to finish`);
    if (this.link.connected) {
      // A second signal sends a drain without grace; the jobs it requeues are in its reply.
      const replies = [this.link.request("drain", { grace_ms: this.graceMs })];
      const skipped = new Promise<void>((resolve) => (this.skipGrace = () => {
        replies.push(this.link.request("drain", { grace_ms: 0 }));
        resolve();
      }));
      await Promise.race([replies[0], skipped]);
      const requeued = new Set<string>();
      for (const reply of await Promise.all(replies)) {
        if (reply.status === 200) for (const id of (JSON.parse(reply.body) as { requeued?: string[] }).requeued ?? []) requeued.add(id);
      }
      if (requeued.size) this.logs.write("supervisor", `${requeued.size} running job(s) went back to the queue for the next start`);
    }
    await this.table.stopAll((c) => c.spec.runtime !== "io", KILL_AFTER_MS);
    await this.table.stopAll((c) => c.spec.runtime === "io", KILL_AFTER_MS);
    this.finish();
  }
}
