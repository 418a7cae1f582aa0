/**
 * Why a process ended, as gaia names it (SPEC §1, §2, §11): `crash` when nobody asked, else
 * the reason gaia stopped it. The first reason recorded for a death is the one its job's
 * error reports (src/supervisor/child.ts keeps it).
 *
 *   crash      an exit nobody asked for (restart with backoff; counts toward intensity)
 *   shutdown   gaia is stopping
 *   timeout    its job passed its deadline (the only way to stop synchronous compute)
 *   cancel     its job was cancelled through the API
 *   memory     private RSS over memory_limit_mb
 *   gpu_memory GPU memory over gpu_memory_limit_mb
 *   recycle    max_jobs_per_worker reached
 *   restart    a planned replacement asked through the API
 *   session    its pipeline session ended (a node process)
 * All but `crash` and `shutdown` are planned replacements: restarted at once, not crashes.
 */
import { z } from "zod";

export const STOP_REASONS = ["timeout", "cancel", "memory", "gpu_memory", "recycle", "restart", "session", "shutdown"] as const;
export const StopReasonSchema = z.enum(STOP_REASONS);
export type StopReason = (typeof STOP_REASONS)[number];

export const ExitReasonSchema = z.enum(["crash", ...STOP_REASONS]);
export type ExitReason = z.infer<typeof ExitReasonSchema>;

/** How a process ended; `detail` says more about a stop gaia asked for (the memory figures). */
export const ExitInfoSchema = z.object({
  pid: z.number().int(),
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  reason: ExitReasonSchema,
  detail: z.string().nullable(),
  at: z.string(),
});
export type ExitInfo = z.infer<typeof ExitInfoSchema>;
