/**
 * Arrays in use against the cap (GET /v1/arrays: the bytes held, the spare bytes kept for
 * reuse, arrays.max_bytes) and the GPUs (GET /v1/gpus: memory, utilization, temperature,
 * power and the processes on each; or the reason there are none).
 */
import { h, nodes, pill, table } from "../dom.ts";
import { ago, bytes } from "../format.ts";
import type { ArrayItem, Arrays, Gpu, Gpus } from "../types.ts";

const SHOWN_ARRAYS = 20;

export function renderArrays(body: HTMLElement, arrays: Arrays): void {
  const share = arrays.max_bytes > 0 ? arrays.bytes / arrays.max_bytes : 0;
  const meter = h("meter");
  meter.min = 0;
  meter.max = 1;
  meter.high = 0.8;
  meter.value = share;
  const newest = [...arrays.arrays].reverse().slice(0, SHOWN_ARRAYS);
  body.replaceChildren(...nodes(
    h("p", { class: "usage" }, meter, ` ${bytes(arrays.bytes)} of ${bytes(arrays.max_bytes)} (${(share * 100).toFixed(1)}%) in ${arrays.arrays.length} array${arrays.arrays.length === 1 ? "" : "s"}; ${bytes(arrays.spare_bytes)} kept as spares`),
    table<ArrayItem>(
      [
        { title: "name", cell: (a) => h("code", { title: a.name }, a.name.length > 28 ? `…${a.name.slice(-26)}` : a.name) },
        { title: "dtype", cell: (a) => a.dtype },
        { title: "shape", cell: (a) => a.shape.join(" × ") || "scalar" },
        { title: "size", cell: (a) => bytes(a.byte_length), class: "num" },
        { title: "state", cell: (a) => (typeof a.state === "string" ? pill(a.state) : "-") },
        { title: "job", cell: (a) => (typeof a.job === "string" ? h("a", { href: `#/jobs/${a.job}` }, a.job.slice(-12)) : "-") },
        { title: "made", cell: (a) => (typeof a.created_at === "string" ? ago(a.created_at) : "-") },
      ],
      newest,
      "no arrays",
    ),
    arrays.arrays.length > SHOWN_ARRAYS ? h("p", { class: "muted" }, `the newest ${SHOWN_ARRAYS} of ${arrays.arrays.length}`) : null,
  ));
}

const pct = (v: number | null) => (v === null ? "-" : `${v}%`);

export function renderGpus(body: HTMLElement, gpus: Gpus): void {
  if (gpus.gpus.length === 0) {
    body.replaceChildren(h("p", { class: "muted" }, `no GPUs: ${gpus.reason ?? "none found"}`));
    return;
  }
  body.replaceChildren(
    table<Gpu>(
      [
        { title: "#", cell: (g) => g.index, class: "num" },
        { title: "name", cell: (g) => h("span", { title: g.uuid }, g.name) },
        { title: "memory", cell: (g) => `${bytes(g.memory_used_bytes)} / ${bytes(g.memory_total_bytes)}`, class: "num" },
        { title: "util", cell: (g) => pct(g.utilization_gpu_pct), class: "num" },
        { title: "temp", cell: (g) => (g.temperature_c === null ? "-" : `${g.temperature_c} °C`), class: "num" },
        { title: "power", cell: (g) => (g.power_w === null ? "-" : `${Math.round(g.power_w)} W`), class: "num" },
        { title: "processes", cell: (g) => (g.processes === null ? "unreadable" : g.processes.map((p) => `${p.worker ?? `pid ${p.pid}`} ${bytes(p.used_bytes)}`).join(", ") || "-") },
      ],
      gpus.gpus,
      "no GPUs",
    ),
    h("p", { class: "muted" }, `sampled ${ago(gpus.sampled_at)}`),
  );
}
