/**
 * Recent jobs, newest first (GET /v1/jobs answers in that order), with a state filter: state,
 * task, pool, attempts, times, and the error (its traceback opens in place); a row opens the
 * job's own page.
 */
import { act, enc } from "../act.ts";
import { button, h, pill, table, type Child } from "../dom.ts";
import { ago, duration } from "../format.ts";
import type { Job, JobError } from "../types.ts";

export const JOB_STATES = ["", "queued", "running", "succeeded", "failed", "timed_out", "cancelled"];
export const TERMINAL = new Set(["succeeded", "failed", "timed_out", "cancelled"]);

/** The filter above the table; `onChange` reads the list again with the chosen state. */
export function stateFilter(onChange: (state: string) => void): HTMLSelectElement {
  const select = h("select", { title: "Show jobs in this state" }, JOB_STATES.map((s) => {
    const option = h("option", null, s || "all states");
    option.value = s;
    return option;
  }));
  select.addEventListener("change", () => onChange(select.value));
  return select;
}

export function renderJobs(body: HTMLElement, jobs: Job[]): void {
  body.replaceChildren(
    table<Job>(
      [
        { title: "id", cell: (j) => h("a", { href: `#/jobs/${j.id}`, title: j.id }, j.id.slice(-12)) },
        { title: "task", cell: (j) => j.task },
        { title: "pool", cell: (j) => j.pool },
        { title: "state", cell: (j) => pill(j.state) },
        { title: "attempts", cell: (j) => `${j.attempts}/${j.max_attempts}`, class: "num" },
        { title: "created", cell: (j) => h("span", { title: j.created_at }, ago(j.created_at)) },
        { title: "run time", cell: (j) => duration(j.execution_ms), class: "num" },
        { title: "worker", cell: (j) => j.worker?.id ?? "-" },
        { title: "error", cell: (j) => errorCell(j.error) },
        { title: "", cell: (j) => (TERMINAL.has(j.state) ? null : cancelButton(j)) },
      ],
      jobs,
      "no jobs yet",
      (j) => ({ job: j.id, state: j.state }),
    ),
  );
}

export function errorCell(error: JobError): Child {
  if (!error) return "-";
  const headline = `${error.type}: ${error.message}`;
  if (!error.traceback) return h("span", { class: "error" }, headline);
  return h("details", { class: "traceback" }, h("summary", { class: "error" }, headline), h("pre", null, error.traceback));
}

export function cancelButton(job: Job): HTMLButtonElement {
  const what = job.state === "running" ? "its worker is killed and replaced" : "it will not run";
  return button("Cancel", () => void act(`Cancel job ${job.id} (${job.task})? ${what[0]!.toUpperCase()}${what.slice(1)}.`, "DELETE", `/v1/jobs/${enc(job.id)}`, `job ${job.id} cancelled`, ["jobs", "job", "status"]));
}
