/**
 * Schedules (SPEC §10): when each runs, its state, next and last run and outcome, runs and
 * skips; pause or resume, and run now. Each button asks first; a pause sends no event, so the
 * panel is read again after the answer (act.ts).
 */
import { act, enc } from "../act.ts";
import { button, h, pill, table } from "../dom.ts";
import { ago, cadence } from "../format.ts";
import type { Schedule } from "../types.ts";

export function renderSchedules(body: HTMLElement, schedules: Schedule[]): void {
  const path = (s: Schedule, what: string) => `/v1/schedules/${enc(s.name)}/${what}`;
  body.replaceChildren(
    table<Schedule>(
      [
        { title: "name", cell: (s) => s.name },
        { title: "when", cell: (s) => cadence(s) },
        { title: "task", cell: (s) => s.task },
        { title: "state", cell: (s) => pill(s.state) },
        { title: "next run", cell: (s) => h("span", { title: s.next_run_at ?? "" }, s.paused ? "-" : ago(s.next_run_at)) },
        { title: "last run", cell: (s) => h("span", { title: s.last_run_at ?? "" }, ago(s.last_run_at)) },
        { title: "last outcome", cell: (s) => (s.last_job ? h("a", { href: `#/jobs/${s.last_job}`, title: s.last_error ?? "" }, s.last_outcome ?? "running") : (s.last_outcome ?? "-")) },
        { title: "runs", cell: (s) => s.runs, class: "num" },
        { title: "skips", cell: (s) => s.skips, class: "num" },
        { title: "source", cell: (s) => s.source },
        {
          title: "",
          cell: (s) =>
            h(
              "span",
              { class: "actions" },
              s.paused
                ? button("Resume", () => void act(`Resume schedule ${s.name}? Its next run is computed from now.`, "POST", path(s, "resume"), `schedule ${s.name} resumed`, ["schedules"]))
                : button("Pause", () => void act(`Pause schedule ${s.name}? It runs no more until resumed.`, "POST", path(s, "pause"), `schedule ${s.name} paused`, ["schedules"])),
              button("Run now", () => void act(`Run schedule ${s.name} once now?`, "POST", path(s, "run"), `schedule ${s.name} ran`, ["schedules", "jobs"])),
            ),
        },
      ],
      schedules,
      "no schedules",
      (s) => ({ schedule: s.name, state: s.state }),
    ),
  );
}
