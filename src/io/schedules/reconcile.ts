/**
 * Config schedules against the journal's, at each start of the IO engine (pure).
 *
 * The config is the truth for the schedules it names: one it names is created, or given the
 * config's definition when that changed (or when an API schedule of that name existed: the
 * config takes it over). One the config no longer names is dropped. API schedules are left
 * as they are. What a schedule has done (runs, last run, last job) is kept through a change.
 *
 * `paused` follows the newest intent: a changed config entry applies its own `paused`; an
 * unchanged one keeps what pause and resume set, so a schedule paused through the API stays
 * paused across restarts until it is resumed or its config entry is edited.
 */
import type { ScheduleConfig } from "../../config/schema.ts";
import type { Saved } from "./store.ts";

export type Reconciled = { save: Saved[]; drop: string[]; notes: string[] };

export function reconcile(config: readonly ScheduleConfig[], saved: readonly Saved[], now: number): Reconciled {
  const byName = new Map(saved.map((s) => [s.name, s]));
  const out: Reconciled = { save: [], drop: [], notes: [] };
  for (const spec of config) {
    const old = byName.get(spec.name);
    if (!old) {
      out.save.push(fresh(spec, "config", now));
      continue;
    }
    if (old.source === "config" && sameSpec(old.spec, spec)) continue;
    out.notes.push(old.source === "config" ? `schedule '${spec.name}': its config entry changed; applied` : `schedule '${spec.name}': defined in the config now; the API's definition is replaced`);
    // A new definition plans its next run afresh (an old next run of another timing would hold).
    out.save.push({ ...old, source: "config", spec, paused: spec.paused, next_run_at: null, updated_at: now });
  }
  const named = new Set(config.map((s) => s.name));
  for (const old of saved) {
    if (old.source !== "config" || named.has(old.name)) continue;
    out.drop.push(old.name);
    out.notes.push(`schedule '${old.name}': no longer in the config; dropped`);
  }
  return out;
}

/** A schedule that has never run. */
export function fresh(spec: ScheduleConfig, source: Saved["source"], now: number): Saved {
  return {
    name: spec.name, source, spec, paused: spec.paused, runs: 0, skips: 0, next_run_at: null,
    last_run_at: null, last_job: null, last_outcome: null, last_error: null, created_at: now, updated_at: now,
  };
}

/** Definitions compare as JSON: both went through the same schema, so their keys come in one order. */
function sameSpec(a: ScheduleConfig, b: ScheduleConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
