/**
 * gaia's configuration (SPEC §3): the one source of truth for every key and its default.
 *
 * Semantics:
 * - Every key has a default, so an empty file (or none) is a valid config: one Bun pool
 *   "default" with one worker per CPU, serving the built-in tasks `echo` and `sleep`.
 * - Unknown keys are errors, so typos show instead of silently meaning nothing.
 * - `run_dir` and `data_dir` are relative to the config file's folder (to the working
 *   directory without a file); `control.socket` is relative to `run_dir`. So are
 *   `arrays.dir`, pool modules that look like files, and a pool's `python` given as a path.
 * - Pools are independent sets of workers: a pool's workers all load the same `modules`.
 *   A job goes to the first pool, in config order, whose workers announced its task.
 * - `tasks."NAME"` holds per-task policy; a job may override `timeout_s` and `retries`.
 * - `retries.max` counts retries after the first attempt. The default retries a job up to
 *   3 times when its worker was lost, and never for an exception in the handler.
 * - Schedules (SPEC §10) are run by the IO engine (src/io/schedules/). A cron pattern and a
 *   timezone are checked here with croner itself, so a config that loads is one that runs.
 */
import { availableParallelism } from "node:os";
import { Cron } from "croner";
import { z } from "zod";

/** An integer field whose every failure reads as the spec's example: "expected an integer >= 1". */
function int(min: number) {
  const error = `expected an integer >= ${min}`;
  return z.number({ error }).int({ error }).min(min, { error });
}
const positiveInt = int(1);
/** Below this RLIMIT_AS, Bun (JavaScriptCore) runs without its JIT: see SPEC §2. */
export const BUN_MIN_ADDRESS_SPACE_MB = 4096;
const nonNegativeInt = int(0);
const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, '_', '.' and '-'");

/** A size such as "8GiB", "512MB", a byte count, or a share of the filesystem ("50%"). */
const size = z.union([
  z.number().int().min(1),
  z.string().regex(/^\s*(\d+(\.\d+)?\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)|\d+(\.\d+)?%)\s*$/, "expected a size such as \"8GiB\" or \"50%\""),
]);

export const Control = z
  .object({
    socket: z.string().min(1).default("gaia.sock"),
    max_body_mb: z.number().min(0.001).default(64),
  })
  .strict();

export const Queue = z
  .object({
    max_depth: positiveInt.default(100_000),
    result_ttl_s: z.number().min(0).default(86_400),
  })
  .strict();

export const Shutdown = z.object({ grace_s: z.number().min(0).default(8) }).strict();

export const Restart = z
  .object({
    intensity: positiveInt.default(10),
    period_s: z.number().min(1).default(60),
    backoff_max_ms: positiveInt.default(10_000),
  })
  .strict();

export const Arrays = z
  .object({
    dir: z.string().min(1).default("/dev/shm"),
    max_bytes: size.default("50%"),
    ttl_s: z.number().min(0).default(3600),
  })
  .strict();

export const RetryOn = z.enum(["timeout", "worker_lost", "memory_limit_exceeded", "gpu_memory_limit_exceeded", "error"]);

export const Retries = z
  .object({
    max: nonNegativeInt.default(3),
    on: z.array(RetryOn).default(["worker_lost"]),
    backoff_s: z.number().min(0).default(1),
    factor: z.number().min(1).default(2),
    max_backoff_s: z.number().min(0).default(60),
  })
  .strict();

export const TaskPolicy = z
  .object({
    // Below 10 ms a timeout is shorter than a process wake-up here: it could only ever fire.
    timeout_s: z.number().min(0.01).default(300),
    retries: Retries.default(Retries.parse({})),
  })
  .strict();

export const Pool = z
  .object({
    name,
    runtime: z.enum(["bun", "python"]).default("bun"),
    size: positiveInt.default(availableParallelism()),
    /** Ready workers kept beside the pool that take a dead worker's place at once (SPEC §1). */
    spares: nonNegativeInt.default(0),
    modules: z.array(z.string().min(1)).default([]),
    python: z.string().min(1).default("python3"),
    max_jobs_per_worker: nonNegativeInt.default(0),
    memory_limit_mb: nonNegativeInt.default(0),
    memory_check_ms: positiveInt.default(250),
    address_space_mb: nonNegativeInt.default(0),
    env: z.record(z.string(), z.string()).default({}),
  })
  .strict();

/** The longest wait a schedule may ask for, in seconds (about 31 years). */
const MAX_WAIT_S = 1e9;
const TOO_LONG = "expected at most 1e9 seconds (about 31 years)";

export const Schedule = z
  .object({
    name,
    task: z.string().min(1),
    payload: z.unknown().optional(),
    cron: z.string().optional(),
    timezone: z.string().optional(),
    // Bounds: a schedule faster than 10 fires a second is a loop's job, and a wait beyond
    // ~31 years would put its next run past the dates JavaScript can hold.
    every_s: z.number().min(0.1).max(MAX_WAIT_S, { error: TOO_LONG }).optional(),
    loop: z.boolean().optional(),
    loop_delay_s: z.number().min(0).max(MAX_WAIT_S, { error: TOO_LONG }).default(0),
    error_delay_s: z.number().min(0).max(MAX_WAIT_S, { error: TOO_LONG }).default(10),
    max_runs: positiveInt.optional(),
    overlap: z.enum(["skip", "queue"]).default("skip"),
    paused: z.boolean().default(false),
    catch_up: z.boolean().default(false),
  })
  .strict()
  // `when`: check even if another key of this schedule failed, so every problem shows at once.
  .refine((s) => [s.cron, s.every_s, s.loop].filter((x) => x !== undefined && x !== false).length === 1, {
    message: "set exactly one of cron, every_s or loop = true",
    when: (payload) => typeof payload.value === "object" && payload.value !== null,
  })
  .superRefine((s, ctx) => {
    const fields = typeof s.cron === "string" ? s.cron.trim().split(/\s+/).length : undefined;
    if (fields !== undefined && fields !== 5 && fields !== 6) {
      ctx.addIssue({ code: "custom", path: ["cron"], message: `expected 5 fields (minute hour day month weekday), or 6 with seconds first, got ${fields}` });
    } else if (typeof s.cron === "string") {
      const problem = cronProblem(s.cron, typeof s.timezone === "string" ? s.timezone : undefined);
      if (problem) ctx.addIssue({ code: "custom", path: [problem.key], message: problem.message });
    }
    if (s.timezone !== undefined && s.cron === undefined) {
      ctx.addIssue({ code: "custom", path: ["timezone"], message: "a timezone applies to a cron pattern only; every_s and loop do not use one" });
    }
  }, { when: (payload) => typeof payload.value === "object" && payload.value !== null });

/** What croner says about a pattern and a timezone (croner's own words), or null when both are fine. */
function cronProblem(pattern: string, timezone: string | undefined): { key: "cron" | "timezone"; message: string } | null {
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    } catch {
      return { key: "timezone", message: `unknown time zone "${timezone}" (use an IANA name such as "Europe/Paris" or "UTC")` };
    }
  }
  try {
    // croner refuses a trailing space in the weekday field; the pattern is trimmed where it runs too.
    new Cron(pattern.trim(), { paused: true, timezone });
    return null;
  } catch (err) {
    return { key: "cron", message: (err as Error).message.replace(/^CronPattern: /, "") };
  }
}

export const Config = z
  .object({
    run_dir: z.string().min(1).default(".gaia/run"),
    data_dir: z.string().min(1).default(".gaia/data"),
    control: Control.default(Control.parse({})),
    queue: Queue.default(Queue.parse({})),
    shutdown: Shutdown.default(Shutdown.parse({})),
    restart: Restart.default(Restart.parse({})),
    arrays: Arrays.default(Arrays.parse({})),
    pools: z.array(Pool).min(1).default([Pool.parse({ name: "default" })]),
    tasks: z.record(z.string(), TaskPolicy).default({}),
    schedules: z.array(Schedule).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const [list, key, what] of [[config.pools, "pools", "pool"], [config.schedules, "schedules", "schedule"]] as const) {
      const seen = new Set<string>();
      list.forEach((item, i) => {
        if (seen.has(item.name)) ctx.addIssue({ code: "custom", path: [key, i, "name"], message: `duplicate ${what} name "${item.name}"` });
        seen.add(item.name);
      });
    }
    config.pools.forEach((pool, i) => {
      if (pool.runtime === "bun" && pool.address_space_mb > 0 && pool.address_space_mb < BUN_MIN_ADDRESS_SPACE_MB) {
        ctx.addIssue({
          code: "custom",
          path: ["pools", i, "address_space_mb"],
          message: `a Bun pool needs at least ${BUN_MIN_ADDRESS_SPACE_MB} (or 0 for no limit), got ${pool.address_space_mb}: under a smaller address-space limit JavaScriptCore silently turns its JIT off and tasks run several times slower (3.5x measured at 2 GiB); use memory_limit_mb to bound memory instead`,
        });
      }
    });
  });

export type Config = z.infer<typeof Config>;
export type PoolConfig = z.infer<typeof Pool>;
export type TaskPolicy = z.infer<typeof TaskPolicy>;
export type RetryPolicy = z.infer<typeof Retries>;
export type ScheduleConfig = z.infer<typeof Schedule>;

const DEFAULT_TASK_POLICY: TaskPolicy = Object.freeze(TaskPolicy.parse({}));

/** The policy for a task: its `tasks` entry, else the defaults (built once, never mutated). */
export function taskPolicy(config: Config, task: string): TaskPolicy {
  return config.tasks[task] ?? DEFAULT_TASK_POLICY;
}
