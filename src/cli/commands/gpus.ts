/**
 * `gaia gpus`: each GPU at a glance (memory, load, heat, power), then the processes on them
 * and the gaia worker each one is, from `GET /v1/gpus` (SPEC §8, §11). A figure NVML did not
 * give shows as "-". Without GPUs: the reason, as the API gives it.
 */
import type { Command } from "../command.ts";
import { EXIT } from "../errors.ts";
import { print, printJson } from "../output.ts";
import { table, type Column } from "../table.ts";

/** What this command reads of `GET /v1/gpus` (src/io/gpu-views.ts has the whole shape). */
export type GpuProcessRow = { pid: number; used_bytes: number | null; worker: string | null; pool: string | null };
export type GpuRow = {
  index: number; uuid: string; name: string;
  memory_used_bytes: number | null; memory_total_bytes: number | null;
  utilization_gpu_pct: number | null; temperature_c: number | null; power_w: number | null; fan_pct: number | null;
  processes: GpuProcessRow[] | null;
};
export type GpusReply = { gpus: GpuRow[]; reason?: string };

const GIB = 1024 ** 3;
const gib = (bytes: number | null) => (bytes === null ? "-" : (bytes / GIB).toFixed(1));
const unit = (value: number | null, suffix: string, digits = 0) => (value === null ? null : `${value.toFixed(digits)}${suffix}`);

const GPU_COLUMNS: Column<GpuRow>[] = [
  { header: "gpu", value: (g) => g.index, align: "right" },
  { header: "name", value: (g) => g.name },
  { header: "memory gib", value: (g) => (g.memory_used_bytes === null && g.memory_total_bytes === null ? null : `${gib(g.memory_used_bytes)} / ${gib(g.memory_total_bytes)}`), align: "right" },
  { header: "util", value: (g) => unit(g.utilization_gpu_pct, "%"), align: "right" },
  { header: "temp", value: (g) => unit(g.temperature_c, " C"), align: "right" },
  { header: "power", value: (g) => unit(g.power_w, " W"), align: "right" },
  { header: "fan", value: (g) => unit(g.fan_pct, "%"), align: "right" },
  { header: "processes", value: (g) => g.processes?.length ?? null, align: "right" },
  { header: "uuid", value: (g) => g.uuid },
];

type ProcessLine = GpuProcessRow & { gpu: number };
const PROCESS_COLUMNS: Column<ProcessLine>[] = [
  { header: "gpu", value: (p) => p.gpu, align: "right" },
  { header: "pid", value: (p) => p.pid, align: "right" },
  { header: "worker", value: (p) => p.worker },
  { header: "pool", value: (p) => p.pool },
  { header: "gpu memory gib", value: (p) => (p.used_bytes === null ? null : gib(p.used_bytes)), align: "right" },
];

export const gpus: Command = {
  summary: "each GPU: memory, utilization, temperature, power; its processes",
  flags: {},
  positionals: [],
  async run(ctx) {
    const body: GpusReply = await ctx.client().gpus();
    if (ctx.json) await printJson(body);
    else await print(formatGpus(body));
    return EXIT.ok;
  },
};

export function formatGpus(body: GpusReply): string {
  if (body.gpus.length === 0) return `no GPUs: ${body.reason ?? "none reported"}`;
  const processes = body.gpus.flatMap((g) => (g.processes ?? []).map((p) => ({ ...p, gpu: g.index })));
  const devices = table(body.gpus, GPU_COLUMNS);
  return processes.length ? `${devices}\n\n${table(processes, PROCESS_COLUMNS)}` : `${devices}\n\nno processes on the GPUs`;
}
