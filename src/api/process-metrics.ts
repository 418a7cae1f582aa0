/**
 * `process_*` for every gaia process (SPEC §7): the families Prometheus' client libraries
 * export for their own process, here once per process of the run, labelled with its name
 * (`supervisor`, `io`, `default-0`, `session/ID/NODE`) and role (supervisor, io, bun,
 * python, and so on). Read from /proc by the IO engine, which may read its siblings':
 * they run as the same user. A process gone between the table and the read is left out.
 *   gaia_build_info{version,bun}  1, the running binary
 */
import type { ProcFigures } from "../lib/proc.ts";
import type { Family, Sample } from "./prometheus.ts";

export type ProcessFigures = { process: string; role: string; figures: ProcFigures };

type Pick = { name: string; help: string; type: "counter" | "gauge"; value: (f: ProcFigures) => number | null };

const PICKS: Pick[] = [
  { name: "process_cpu_seconds_total", help: "User and system CPU time of each gaia process, in seconds.", type: "counter", value: (f) => f.cpuSeconds },
  { name: "process_resident_memory_bytes", help: "Resident memory of each gaia process (VmRSS), in bytes.", type: "gauge", value: (f) => f.rssBytes },
  { name: "process_virtual_memory_bytes", help: "Virtual memory of each gaia process, in bytes.", type: "gauge", value: (f) => f.vsizeBytes },
  { name: "process_start_time_seconds", help: "Start time of each gaia process since the Unix epoch, in seconds.", type: "gauge", value: (f) => f.startTimeSeconds },
  { name: "process_threads", help: "Threads of each gaia process.", type: "gauge", value: (f) => f.threads },
  { name: "process_open_fds", help: "Open file descriptors of each gaia process.", type: "gauge", value: (f) => f.openFds },
  { name: "process_max_fds", help: "The open file descriptor limit of each gaia process.", type: "gauge", value: (f) => f.maxFds },
];

export function processFamilies(processes: ProcessFigures[]): Family[] {
  return PICKS.map((p) => ({
    name: p.name, help: p.help, type: p.type,
    samples: processes.flatMap(({ process, role, figures }): Sample[] => {
      const value = p.value(figures);
      return value === null ? [] : [{ labels: { process, role }, value }];
    }),
  }));
}

export function buildInfo(version: string, bun: string): Family {
  return { name: "gaia_build_info", help: "1, labelled with the running binary's version and the Bun it was built with.", type: "gauge", samples: [{ labels: { version, bun }, value: 1 }] };
}
