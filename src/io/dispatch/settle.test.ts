import { describe, expect, test } from "bun:test";
import { settleLost, type ExitReport, type LostJob } from "./settle.ts";

const exit = (reason: ExitReport["reason"], extra: Partial<ExitReport> = {}): ExitReport => ({ workerId: "w-0", pid: 42, code: null, signal: "SIGKILL", reason, detail: null, ...extra });
const lost = (over: Partial<LostJob>): LostJob => ({ cancelRequested: false, pastDeadline: false, timeoutS: 5, workerId: "w-0", exit: exit("crash"), graceMs: 2000, ...over });

describe("settleLost, first match wins", () => {
  test("a requested cancel wins over any exit reason", () => {
    for (const reason of ["crash", "timeout", "memory", "gpu_memory"] as const) {
      expect(settleLost(lost({ cancelRequested: true, pastDeadline: true, exit: exit(reason) })).kind).toBe("cancelled");
    }
  });
  test("a memory kill carries the watchdog's figures", () => {
    const s = settleLost(lost({ exit: exit("memory", { detail: "rss 612 MiB > limit 512 MiB" }), pastDeadline: true }));
    expect(s).toEqual({ kind: "failed", failure: "memory_limit_exceeded", error: { type: "memory_limit_exceeded", message: "rss 612 MiB > limit 512 MiB; worker w-0 (pid 42) was killed" } });
  });
  test("a GPU memory kill carries its figures as they are", () => {
    const detail = "gpu 0 (GPU-1): 21.3 GiB > limit 20 GiB; worker w-0 (pid 42) was killed";
    expect(settleLost(lost({ exit: exit("gpu_memory", { detail }) }))).toMatchObject({ failure: "gpu_memory_limit_exceeded", error: { message: detail } });
  });
  test("a timeout kill counts only once the job's own deadline has passed", () => {
    expect(settleLost(lost({ exit: exit("timeout"), pastDeadline: true }))).toMatchObject({ failure: "timeout" });
    // The kill was for the previous job on this worker: this one is merely lost.
    expect(settleLost(lost({ exit: exit("timeout"), pastDeadline: false }))).toMatchObject({ failure: "worker_lost" });
  });
  test("a crash, and a lost connection without an exit report, are worker_lost with how it ended", () => {
    expect(settleLost(lost({ exit: exit("crash", { signal: null, code: 3 }) })).error.message).toBe("worker w-0 (pid 42) exited with code 3 while running the job");
    expect(settleLost(lost({ exit: exit("restart") })).error.message).toContain("(gaia stopped it: restart)");
    expect(settleLost(lost({ exit: null })).error.message).toBe("lost the connection to worker w-0 and no exit was reported within 2000 ms");
  });
});
