/**
 * gaia's configuration (SPEC §3): the one source of truth for every key and its default.
 *
 * Semantics:
 * - Every key has a default, so an empty file (or none) is a valid config: one Bun pool
 *   "default" with one worker per CPU, serving the built-in tasks `echo` and `sleep`.
 * - Unknown keys are errors, so typos show instead of silently meaning nothing.
 * - The control API is always on the Unix socket `control.socket` (mode 0600: no token);
 *   `control.listen` adds a TCP listener that answers only requests with the bearer token
 *   from `control.token_file` (made 0600, 32 random bytes in hex, when absent), except
 *   `/health`, `/ready` and, with `metrics_public`, `/metrics`. `control.tls` makes it HTTPS.
 * - `run_dir` and `data_dir` are relative to the config file's folder (to the working
 *   directory without a file); `control.socket` is relative to `run_dir`. So are
 *   `arrays.dir`, pool modules that look like files, and a pool's `python` given as a path.
 * - Pools are independent sets of workers: a pool's workers all load the same `modules`.
 *   A job goes to the first pool, in config order, whose workers announced its task.
 * - `tasks."NAME"` holds per-task policy; a job may override `timeout_s` and `retries`.
 * - `retries.max` counts retries after the first attempt. The default retries a job up to
 *   3 times when its worker was lost, and never for an exception in the handler.
 * - Schedules (SPEC §10) are run by the IO engine (src/io/schedules/). A cron pattern and a
 *   timezone are checked with croner itself (schedule-schema.ts), so a config that loads is
 *   one that runs.
 * - Pipelines (SPEC §12) are `[[pipelines]]` with their nodes and connections; their schema
 *   and graph checks are in src/io/pipelines/schema.ts. A node's `module` (when it looks
 *   like a file) and `python` (when it is a path) are relative to the config file.
 * - `[cluster]` (SPEC §13): a PostgreSQL URL makes gaia a node of a cluster; see cluster.ts.
 * - GPUs (SPEC §11): `pools[].gpus` names the pool's devices by NVML index or UUID, or "all";
 *   without it a pool has no GPU and nothing below applies. `gpus_per_worker` is a whole
 *   number of devices each worker holds alone, or 1/k (0.5, 0.25, ...) for k workers sharing
 *   each device; any other fraction would leave a worker with part of a device it shares with
 *   nobody. Which devices exist is known only at start (NVML), so the devices, and the size
 *   of a GPU pool that gives none (its GPU slots: devices / gpus_per_worker), are decided
 *   there (src/supervisor/gpu/assign.ts). Hence `size_from` on a parsed pool: "config" (the
 *   file gave `size`), "cpus" (the default, one worker per CPU) or "gpus" (`size` is 0 until
 *   start sets it from the slots). gaia sets `CUDA_VISIBLE_DEVICES` and `GAIA_GPUS` for such
 *   a pool's workers, so its `env` may not. `gpu_memory_limit_mb` bounds the GPU memory a
 *   worker's process holds on any one of its devices; `[gpu] sample_ms` paces the NVML
 *   sampling that this limit, `/v1/gpus` and the metrics read.
 */
import { availableParallelism } from "node:os";
import { z } from "zod";
// The pipelines' schema and its graph checks are pure, kept beside the session runtime.
import { Pipeline } from "../io/pipelines/schema.ts";
import { Cluster } from "./cluster.ts";
import { int, name } from "./fields.ts";
import { Schedule } from "./schedule-schema.ts";

export { Schedule, scheduleChecks, ScheduleFields } from "./schedule-schema.ts";

const positiveInt = int(1);
/** Below this RLIMIT_AS, Bun (JavaScriptCore) runs without its JIT: see SPEC §2. */
export const BUN_MIN_ADDRESS_SPACE_MB = 4096;
const nonNegativeInt = int(0);

/** A size such as "8GiB", "512MB", a byte count, or a share of the filesystem ("50%"). */
const size = z.union([
  z.number().int().min(1),
  z.string().regex(/^\s*(\d+(\.\d+)?\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)|\d+(\.\d+)?%)\s*$/, "expected a size such as \"8GiB\" or \"50%\""),
]);

/** "HOST:PORT" (an IPv6 host in brackets), or "" for no TCP listener. */
const listenAddress = z.string().regex(/^$|^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected "HOST:PORT" such as "127.0.0.1:8470" or "0.0.0.0:8470", or "" for none');

export const Control = z
  .object({
    socket: z.string().min(1).default("gaia.sock"),
    max_body_mb: z.number().min(0.001).default(64),
    listen: listenAddress.default(""),
    token_file: z.string().min(1).default("token"),
    tls: z.object({ cert: z.string().default(""), key: z.string().default("") }).strict().default({ cert: "", key: "" }),
    metrics_public: z.boolean().default(false),
  })
  .strict()
  .refine((c) => (c.tls.cert === "") === (c.tls.key === ""), { message: "set both tls.cert and tls.key (PEM files), or neither", path: ["tls"] });

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

export const Gpu = z
  .object({
    // Each sample is a few blocking NVML calls per device in the supervisor's thread.
    sample_ms: int(100).default(1000),
  })
  .strict();

/** A device as a pool names it: its NVML index, or its UUID as `nvidia-smi -L` prints it. */
const GpuRef = z.union([
  int(0),
  z.string().regex(/^GPU-[0-9a-fA-F-]+$/, 'expected a device index or a UUID such as "GPU-8f6c3c7e-…" (see nvidia-smi -L)'),
]);
export const PoolGpus = z.union([z.literal("all"), z.array(GpuRef).min(1)], {
  error: 'expected "all" or a list of device indexes and UUIDs such as [0, 1]',
});

/** Whole devices per worker, or 1/k of one (k workers per device); 0.3333 passes for 1/3, 0.333 does not. */
export function isGpuShare(share: number): boolean {
  if (share >= 1) return Number.isInteger(share);
  const k = Math.round(1 / share);
  return k >= 2 && Math.abs(k * share - 1) < 5e-4;
}
const GPU_SHARE_ERROR = "expected a whole number >= 1, or 1/k such as 0.5, 0.25 or 0.2 (k workers share each device)";
const gpuShare = z.number({ error: GPU_SHARE_ERROR }).gt(0, { error: GPU_SHARE_ERROR, abort: true }).refine(isGpuShare, { error: GPU_SHARE_ERROR });
/** Where a parsed pool's `size` comes from (see the semantics above). */
export type SizeFrom = "config" | "cpus" | "gpus";
/** Variables gaia sets for a GPU pool's workers from its `gpus`; a pool's env may not set them too. */
const GPU_ENV = ["CUDA_VISIBLE_DEVICES", "GAIA_GPUS"];

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
    // Optional here: whether the file gave a size decides the default (see size_from above).
    size: positiveInt.optional(),
    /** Ready workers kept beside the pool that take a dead worker's place at once (SPEC §1). */
    spares: nonNegativeInt.default(0),
    modules: z.array(z.string().min(1)).default([]),
    python: z.string().min(1).default("python3"),
    max_jobs_per_worker: nonNegativeInt.default(0),
    memory_limit_mb: nonNegativeInt.default(0),
    memory_check_ms: positiveInt.default(250),
    address_space_mb: nonNegativeInt.default(0),
    env: z.record(z.string(), z.string()).default({}),
    gpus: PoolGpus.optional(),
    // Optional here so that a share without gpus can be refused; 1 is filled in below.
    gpus_per_worker: gpuShare.optional(),
    gpu_memory_limit_mb: nonNegativeInt.default(0),
  })
  .strict()
  .superRefine((pool, ctx) => {
    if (pool.gpus === undefined && pool.gpus_per_worker !== undefined) {
      ctx.addIssue({ code: "custom", path: ["gpus_per_worker"], message: "gpus_per_worker applies to a pool with gpus; add gpus (device indexes, UUIDs or \"all\") or remove it" });
    }
    if (pool.gpus !== undefined && pool.spares > 0) {
      // A spare takes a worker's place with the devices it was started with.
      ctx.addIssue({ code: "custom", path: ["spares"], message: "a GPU pool cannot have spares yet: a spare would have to hold the devices of whichever worker it replaces; set spares = 0" });
    }
    for (const key of GPU_ENV) {
      if (pool.gpus !== undefined && Object.hasOwn(pool.env, key)) {
        ctx.addIssue({ code: "custom", path: ["env", key], message: `gaia sets ${key} from the pool's gpus; remove it from env` });
      }
    }
  })
  .transform(({ size, gpus_per_worker, ...pool }) => {
    const size_from: SizeFrom = size !== undefined ? "config" : pool.gpus === undefined ? "cpus" : "gpus";
    return { ...pool, size: size ?? (size_from === "cpus" ? availableParallelism() : 0), size_from, gpus_per_worker: gpus_per_worker ?? 1 };
  });

export const Config = z
  .object({
    run_dir: z.string().min(1).default(".gaia/run"),
    data_dir: z.string().min(1).default(".gaia/data"),
    control: Control.default(Control.parse({})),
    queue: Queue.default(Queue.parse({})),
    shutdown: Shutdown.default(Shutdown.parse({})),
    restart: Restart.default(Restart.parse({})),
    arrays: Arrays.default(Arrays.parse({})),
    gpu: Gpu.default(Gpu.parse({})),
    pools: z.array(Pool).min(1).default([Pool.parse({ name: "default" })]),
    tasks: z.record(z.string(), TaskPolicy).default({}),
    schedules: z.array(Schedule).default([]),
    pipelines: z.array(Pipeline).default([]),
    cluster: Cluster.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const [list, key, what] of [[config.pools, "pools", "pool"], [config.schedules, "schedules", "schedule"], [config.pipelines, "pipelines", "pipeline"]] as const) {
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
export type PoolGpus = z.infer<typeof PoolGpus>;

const DEFAULT_TASK_POLICY: TaskPolicy = Object.freeze(TaskPolicy.parse({}));

/** The policy for a task: its `tasks` entry, else the defaults (built once, never mutated). */
export function taskPolicy(config: Config, task: string): TaskPolicy {
  return config.tasks[task] ?? DEFAULT_TASK_POLICY;
}
