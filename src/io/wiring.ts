/**
 * What the supervisor's messages do in the IO engine: process events go to the bus (and a
 * worker's exit to the roster, which settles its job), planned restarts and promoted spares
 * to the roster, GPU samples to the GPU state, drain to the drain.
 */
import type { Drain } from "./dispatch/drain.ts";
import type { Roster } from "./dispatch/roster.ts";
import type { EventBus } from "./events/bus.ts";
import type { GpuState } from "./gpus.ts";
import type { PipelineHost } from "./pipelines/host.ts";
import type { SupervisorLink } from "./supervisor-link.ts";

export type SupervisorWiring = { supervisor: SupervisorLink; bus: EventBus; roster: Roster; gpus: GpuState; drain: Drain; pipelines: PipelineHost; log(line: string): void };

export function wireSupervisor({ supervisor, bus, roster, gpus, drain, pipelines, log }: SupervisorWiring): void {
  supervisor.handle({
    // Shutdown: jobs get the grace; every pipeline session is terminated meanwhile (SPEC §1).
    drain: async (graceMs) => (await Promise.all([drain.begin(graceMs), pipelines.runtime.shutdown()]))[0],
    processEvent(event, at) {
      bus.stage(event.kind, event.data, at);
      if (event.kind !== "process.exited" || (event.data.runtime !== "bun" && event.data.runtime !== "python")) return;
      const { process: workerId, pid, code, signal, reason, detail } = event.data;
      roster.exited({ workerId, pid, code, signal, reason, detail });
    },
    workerStopping: (workerId, pid) => roster.stopping(workerId, pid),
    sparePromoted: (workerId, pid) => roster.promote(pid, workerId),
    gpuSample: (sample) => gpus.update(sample),
    nodeExited: (event) => pipelines.nodeExited(event),
    // A new connection of the supervisor may have missed announcements: it is told again.
    connected: () => roster.announceAll(),
    log,
  });
}
