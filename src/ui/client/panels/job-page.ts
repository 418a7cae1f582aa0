/**
 * One job's page (`#/jobs/ID`): every field of GET /v1/jobs/ID, its error with the traceback
 * open, its result and payload, and what it printed per attempt (GET /v1/jobs/ID/logs).
 * Read again when an event names the job.
 */
import { h, nodes, pill, type Child } from "../dom.ts";
import { duration, mib, when } from "../format.ts";
import type { Job, JobLogs } from "../types.ts";
import { cancelButton, TERMINAL } from "./jobs.ts";

export function renderJobPage(body: HTMLElement, job: Job, logs: JobLogs | null): void {
  const row = (name: string, value: Child) => h("tr", null, h("th", null, name), h("td", null, value));
  const facts = h(
    "table",
    { class: "facts" },
    h(
      "tbody",
      null,
      row("id", h("code", null, job.id)),
      row("task", job.task),
      row("pool", job.pool),
      row("state", [pill(job.state), job.progress && !TERMINAL.has(job.state) ? progress(job.progress) : null]),
      row("attempts", `${job.attempts} of at most ${job.max_attempts}`),
      row("priority", job.priority),
      job.schedule ? row("schedule", job.schedule) : null,
      job.session_id ? row("session", job.session_id) : null,
      row("created", when(job.created_at)),
      job.not_before ? row("not before", when(job.not_before)) : null,
      row("started", when(job.started_at)),
      row("finished", when(job.finished_at)),
      row("worker", job.worker ? `${job.worker.id} (pid ${job.worker.pid})` : "-"),
      row("run time", duration(job.execution_ms)),
      job.usage ? row("usage", `user ${duration(job.usage.user_ms)}, sys ${duration(job.usage.sys_ms)}, max RSS ${mib(job.usage.max_rss_kb)} MiB${job.usage.gpu_memory_peak_mb !== undefined ? `, GPU peak ${job.usage.gpu_memory_peak_mb} MiB` : ""}`) : null,
      Object.keys(job.arrays ?? {}).length ? row("arrays", json(job.arrays)) : null,
      Object.keys(job.result_arrays ?? {}).length ? row("result arrays", json(job.result_arrays)) : null,
    ),
  );
  body.replaceChildren(...nodes(
    h("p", null, h("a", { href: "#/" }, "← dashboard"), " ", TERMINAL.has(job.state) ? null : cancelButton(job)),
    facts,
    job.error
      ? h("div", { class: "job-error" }, h("h3", { class: "error" }, `${job.error.type}: ${job.error.message}`), job.error.traceback ? h("pre", { class: "traceback" }, job.error.traceback) : null)
      : null,
    h("h3", null, "result"),
    job.state === "succeeded" ? json(job.result) : h("p", { class: "muted" }, "none"),
    h("h3", null, "payload"),
    json(job.payload),
    h("h3", null, "logs"),
    logLines(logs),
  ));
}

function progress(p: NonNullable<Job["progress"]>): HTMLElement {
  const bar = h("progress");
  bar.max = 1;
  bar.value = Math.max(0, Math.min(1, p.fraction));
  return h("span", { class: "progress" }, " ", bar, ` ${Math.round(p.fraction * 100)}% ${p.message ?? ""}`);
}

/** Long values are cut for the page; the API has them whole. */
function json(value: unknown): HTMLElement {
  let text = JSON.stringify(value, null, 2) ?? "null";
  if (text.length > 20_000) text = `${text.slice(0, 20_000)}\n… (${text.length.toLocaleString()} characters; GET the job for all of it)`;
  return h("pre", { class: "json" }, text);
}

function logLines(logs: JobLogs | null): HTMLElement {
  if (!logs || logs.attempts.length === 0) return h("p", { class: "muted" }, "it printed nothing");
  return h(
    "div",
    { class: "logs" },
    logs.attempts.map((a) =>
      h("div", null, h("h4", null, `attempt ${a.attempt}`), h("pre", null, a.lines.map((l) => h("span", { class: l.level === "error" ? "error" : "" }, `${l.at.slice(11, 23)} ${l.line}\n`)))),
    ),
  );
}
