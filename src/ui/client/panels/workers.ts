/**
 * Pools and workers (SPEC §15): each pool's state, workers ready against its size, spares,
 * queue and last error; each worker's state, pid, RSS, jobs done, restarts, GPUs and last
 * exit, with a restart button (asks first).
 */
import { act, enc } from "../act.ts";
import { button, h, pill, table, type Child } from "../dom.ts";
import { brief, exit, mib } from "../format.ts";
import type { Pool, Status, Worker } from "../types.ts";

export function renderPools(body: HTMLElement, status: Status): void {
  const counts = Object.entries(status.jobs).map(([state, n]) => h("span", { class: "count" }, pill(state), ` ${n}`));
  body.replaceChildren(
    table<Pool>(
      [
        { title: "pool", cell: (p) => p.name },
        { title: "runtime", cell: (p) => p.runtime },
        { title: "state", cell: (p) => pill(p.state) },
        { title: "ready", cell: (p) => `${p.ready}/${p.size}`, class: "num" },
        { title: "spares", cell: (p) => (p.spares ? `${p.spares_ready}/${p.spares}` : "-"), class: "num" },
        { title: "queued", cell: (p) => p.queued, class: "num" },
        { title: "last error", cell: (p) => lastError(p.last_error) },
        { title: "", cell: (p) => button("Restart pool", () => void act(`Restart every worker of pool ${p.name}, one at a time?`, "POST", `/v1/pools/${enc(p.name)}/restart`, `pool ${p.name} is restarting`, ["workers", "status"])) },
      ],
      status.pools,
      "no pools",
      (p) => ({ pool: p.name }),
    ),
    h("p", { class: "counts" }, "jobs: ", counts),
  );
}

function lastError(e: unknown): Child {
  if (e === null || e === undefined) return "-";
  if (typeof e === "string") return h("span", { class: "error" }, e);
  const o = e as { message?: string; lines?: string[] };
  const text = o.message ?? brief(e, 200);
  return o.lines?.length ? h("details", null, h("summary", { class: "error" }, text), h("pre", null, o.lines.join("\n"))) : h("span", { class: "error" }, text);
}

export function renderWorkers(body: HTMLElement, workers: Worker[]): void {
  body.replaceChildren(
    table<Worker>(
      [
        { title: "id", cell: (w) => (w.spare ? h("span", null, w.id, " ", h("span", { class: "tag" }, "spare")) : w.id) },
        { title: "pool", cell: (w) => w.pool },
        { title: "runtime", cell: (w) => w.runtime },
        { title: "state", cell: (w) => pill(w.state) },
        { title: "pid", cell: (w) => w.pid ?? "-", class: "num" },
        { title: "RSS MiB", cell: (w) => mib(w.rss_kb), class: "num" },
        { title: "job", cell: (w) => (w.job ? h("a", { href: `#/jobs/${w.job}` }, w.job.slice(-12)) : "-") },
        { title: "jobs done", cell: (w) => w.jobs_done ?? "-", class: "num" },
        { title: "restarts", cell: (w) => w.restarts, class: "num" },
        { title: "GPUs", cell: (w) => (w.gpus.length ? h("span", { title: w.gpus.map((g) => `${g.name} ${g.uuid}`).join("\n") }, w.gpus.map((g) => `#${g.index}`).join(", ")) : "-") },
        { title: "last exit", cell: (w) => exit(w.last_exit) },
        { title: "", cell: (w) => button("Restart", () => void act(`Restart worker ${w.id} (a planned replacement)?`, "POST", `/v1/workers/${enc(w.id)}/restart`, `worker ${w.id} is restarting`, ["workers", "status"])) },
      ],
      workers,
      "no workers",
      (w) => ({ worker: w.id }),
    ),
  );
}
