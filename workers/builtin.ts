/** The tasks every Bun worker serves, with or without modules (SPEC §3). */
import type { TaskTable } from "./types.ts";

export const builtinTasks: TaskTable = {
  /** Returns its payload unchanged. */
  echo: (payload: unknown) => payload,
  /** Waits `ms` milliseconds (default 0) without using CPU, then returns `{slept_ms}`. */
  sleep: async (payload: { ms?: number } | null) => {
    const ms = Number(payload?.ms ?? 0);
    if (!Number.isFinite(ms) || ms < 0) throw new TypeError(`sleep expects {ms: a number >= 0}, got ${JSON.stringify(payload)}`);
    await Bun.sleep(ms);
    return { slept_ms: ms };
  },
};
