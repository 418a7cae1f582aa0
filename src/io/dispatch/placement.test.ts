/**
 * Placement rules, without processes. Worker entries are plain records here: `place` never
 * touches their connection beyond asking whether it is closed, so that is all it has.
 */
import { describe, expect, test } from "bun:test";
import type { Connection } from "../../protocol/connection.ts";
import type { Job } from "../job.ts";
import { place } from "./placement.ts";
import { PoolQueue } from "./pool-queue.ts";
import { Sessions } from "./sessions.ts";
import type { WorkerEntry } from "./worker.ts";

const worker = (id: string, busy: boolean): WorkerEntry => ({
  id, pool: "p", pid: Number(id.slice(-1)) + 100, runtime: "bun", tasks: new Set(["t"]), gpus: [],
  conn: { closed: false } as Connection, state: busy ? { kind: "busy", job: {} as Job, ahead: [], refill: false } : { kind: "idle" },
  jobsDone: 0, connectedAt: 0,
});
const job = (session_id: string | null = null) => ({ id: crypto.randomUUID(), pool: "p", task: "t", state: "queued", session_id }) as Job;

function pool(workers: WorkerEntry[], queued: number): PoolQueue {
  const q = new PoolQueue("p");
  for (const w of workers) {
    q.members.add(w);
    if (w.state.kind === "idle") q.idle.add(w);
  }
  for (let i = 0; i < queued; i++) q.push(job());
  return q;
}

describe("place", () => {
  test("an idle worker takes the job now", () => {
    const idle = worker("w-1", false);
    expect(place(pool([worker("w-0", true), idle], 1), job(), new Sessions())).toEqual({ worker: idle, ahead: false });
  });
  test("with every worker busy, a lone job waits rather than queue behind one of them", () => {
    expect(place(pool([worker("w-0", true), worker("w-1", true)], 1), job(), new Sessions())).toBeNull();
  });
  test("with more jobs waiting than workers, a busy worker takes one ahead of time", () => {
    const placed = place(pool([worker("w-0", true), worker("w-1", true)], 3), job(), new Sessions());
    expect(placed?.ahead).toBe(true);
  });
  test("a session's job goes to its worker, ahead of time when that worker is busy", () => {
    const holder = worker("w-0", true);
    const q = pool([holder, worker("w-1", false)], 1);
    const sessions = new Sessions();
    const first = job("s");
    expect(sessions.bind(first, holder)).toBe(false);
    expect(place(q, job("s"), sessions)).toEqual({ worker: holder, ahead: true });
  });
  test("when the session's worker is gone, the job goes anywhere and the session resets", () => {
    const sessions = new Sessions();
    sessions.bind(job("s"), worker("w-0", false));
    const other = worker("w-1", false);
    const q = pool([other], 1); // w-0 is no longer a member
    expect(place(q, job("s"), sessions)).toEqual({ worker: other, ahead: false });
    expect(sessions.bind(job("s"), other)).toBe(true);
  });
});
