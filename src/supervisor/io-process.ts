/**
 * The IO engine as the supervisor keeps it: spawned like any child (restart policy and all),
 * and connected to over io.sock each time it starts. While it is down the supervisor's own
 * minimal responder answers gaia.sock (fallback.ts), so a client never sees a refused
 * connection or a hang across an IO engine restart.
 */
import type { Child } from "./child.ts";
import type { IoLink } from "./link.ts";
import type { LogStore } from "./logs.ts";
import type { ProcessEvents } from "./process-events.ts";

const CONNECT_TIMEOUT_MS = 15_000;

export class IoProcess {
  private booted = false;

  constructor(
    private readonly link: IoLink,
    private readonly logs: LogStore,
    private readonly events: ProcessEvents,
    /** `up`: an engine is up (what a new engine needs to hear goes now); `down`: its process ended. */
    private readonly hooks: { up(): void; down(): void },
  ) {}

  /** The engine is up and its link welcomed this supervisor: it is ready. */
  private up(child: Child): void {
    if (child.pid !== null && child.markReady(child.pid)) this.events.ready(child);
    this.hooks.up();
  }

  /** The first start: resolves once connected (true) or when the engine could not start. */
  async start(child: Child): Promise<boolean> {
    child.spawn();
    const ok = await this.link.connect(Date.now() + CONNECT_TIMEOUT_MS, () => child.running);
    if (!ok) return false;
    this.booted = true;
    this.up(child);
    return true;
  }

  /** The table spawned the engine again after it ended: connect to the new one. */
  respawned(child: Child): void {
    if (!this.booted) return;
    void this.link.connect(Date.now() + CONNECT_TIMEOUT_MS, () => child.running).then((ok) => {
      if (ok) this.up(child);
      else this.logs.write("supervisor", "could not connect to the restarted IO engine; it will be restarted", "error");
    });
  }

  /**
   * The engine's process ended. Its link may not have seen the socket close yet (the exit
   * and the end of the stream arrive in no set order): it is dropped now, so that what the
   * supervisor tells next waits for the new engine instead of going to a dead socket. The
   * fallback responder takes gaia.sock from here until the engine is up again.
   */
  exited(_child: Child): void {
    this.link.drop();
    this.hooks.down();
  }
}
