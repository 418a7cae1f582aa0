/**
 * When a node dies, the session says which and how, and nothing is left behind: a kill -9
 * mid-stream, an exception or an exit during init, an init that outlasts init_timeout_s, an
 * exception in process. Real node processes, real sockets, real /dev/shm files.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { SessionError } from "../src/io/pipelines/session-ports.ts";
import type { Session } from "../src/io/pipelines/session.ts";
import { isAlive, PY, PY_NODES, sessionFiles, startRuntime, TS_NODES, until, within, type Harness } from "./helpers/pipelines.ts";

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const bun = (id: string, node: string, config: unknown = {}) => ({ id, runtime: "bun", module: TS_NODES, node, config });
const py = (id: string, node: string, config: unknown = {}) => ({ id, runtime: "python", python: PY, module: PY_NODES, node, config });
const chain = (...ids: string[]) => ids.slice(1).map((id, i) => ({ from: `${ids[i]}.out`, to: `${id}.in` }));

/** After the session ended: its processes are gone, and its files and socket folder too. */
async function expectNothingLeft(session: Session): Promise<void> {
  await within(session.ended, "the session's teardown");
  const pids = session.nodes.map((n) => n.pid!).filter((p) => p !== null);
  expect(pids.filter(isAlive)).toEqual([]);
  expect(sessionFiles(session)).toEqual([]);
  expect(existsSync(session.pipesDir)).toBe(false);
}

describe("a node that dies while streaming", () => {
  test("kill -9: failed, pipeline_terminated naming the node and SIGKILL; the others are stopped", async () => {
    h = await startRuntime();
    const s = await h.runtime.create({ nodes: [bun("a", "t.pass"), py("b", "py.pass"), bun("c", "t.pass")], connections: chain("a", "b", "c") });
    let out = 0;
    s.onOutput("c.out", () => void out++);
    // Frames of 80 KB: every channel has shared-memory slots in use when the kill lands.
    const streaming = (async () => {
      for (let i = 0; ; i++) await s.input("a.in", { i, x: new Float32Array(20_000).fill(i) });
    })();
    await until(() => out >= 50, "50 frames through the chain");
    expect(sessionFiles(s).length).toBeGreaterThan(0);
    const victim = s.nodes[1]!.pid!;
    process.kill(victim, "SIGKILL");
    const err = await within(streaming.catch((e) => e), "the producer to be refused");
    expect(err).toBeInstanceOf(SessionError);
    expect((err as SessionError).code).toBe("session_closed");
    await expectNothingLeft(s);
    const view = s.view();
    expect(view.state).toBe("failed");
    expect(view.reason).toMatchObject({ code: "pipeline_terminated", node: "b", signal: "SIGKILL", exit_code: null });
    expect(view.reason!.message).toBe(`node 'b' (pid ${victim}) was killed by SIGKILL while streaming`);
    expect(view.nodes.map((n) => n.state)).toEqual(["exited", "exited", "exited"]);
    expect(h.launcher.events.filter((e) => e.kind === "session.failed")).toHaveLength(1);
  });

  test("an exception in process: pipeline_terminated with the exception", async () => {
    h = await startRuntime();
    const s = await h.runtime.create({ nodes: [bun("a", "t.pass"), py("b", "py.raise_process", { at: 5 })], connections: chain("a", "b") });
    for (let i = 0; i < 5; i++) await s.input("a.in", { i });
    await s.input("a.in", { i: 5 }).catch(() => {});
    await expectNothingLeft(s);
    const reason = s.view().reason!;
    expect(reason).toMatchObject({ code: "pipeline_terminated", node: "b", exit_code: 1, error: { type: "KeyError" } });
    expect(reason.message).toContain("exited with code 1 after raising KeyError: 'frame 5 is bad' while streaming");
  });
});

describe("a node that fails while starting", () => {
  test("an exception in __init__: process_crashed with the exception, its traceback in the last lines", async () => {
    h = await startRuntime();
    const s = await h.runtime.create({ nodes: [bun("a", "t.pass"), py("b", "py.raise_init")], connections: chain("a", "b") });
    await expectNothingLeft(s);
    const reason = s.view().reason!;
    expect(reason).toMatchObject({ code: "process_crashed", node: "b", exit_code: 1, error: { type: "ValueError", message: "no such model: huge" } });
    expect(reason.lines!.join("\n")).toContain("ValueError: no such model: huge");
  });

  test("a Bun constructor that throws: process_crashed naming the node", async () => {
    h = await startRuntime();
    const s = await h.runtime.create({ nodes: [bun("a", "t.raise_init")] });
    await expectNothingLeft(s);
    expect(s.view().reason).toMatchObject({ code: "process_crashed", node: "a", exit_code: 1, error: { type: "RangeError", message: "no such model: huge" } });
  });

  test("an exit during init: process_crashed with the exit code and what it printed", async () => {
    h = await startRuntime();
    const s = await h.runtime.create({ nodes: [py("a", "py.exit_init"), bun("b", "t.pass")], connections: chain("a", "b") });
    await expectNothingLeft(s);
    const reason = s.view().reason!;
    expect(reason).toMatchObject({ code: "process_crashed", node: "a", exit_code: 3, signal: null });
    expect(reason.lines).toContain("loading the model... out of luck");
  });

  test("init_timeout_s: failed with init_timeout naming the node; every process is stopped", async () => {
    h = await startRuntime();
    const s = await h.runtime.create({ init_timeout_s: 1, nodes: [bun("a", "t.pass"), py("slow", "py.sleep_init", { s: 60 })], connections: chain("a", "slow") });
    await expectNothingLeft(s);
    expect(s.view().reason).toEqual({ code: "init_timeout", node: "slow", message: "node 'slow' did not report ready within init_timeout_s = 1" });
  });
});

// One node's stdin at a time: the first node to exit ends the session and the runtime stops
// the others, so ending both at once could see one of them stopped before it read its EOF.
for (const [which, index] of [["Bun", 0], ["Python", 1]] as const) {
  test(`a ${which} node exits with 0 when its stdin reaches EOF (its supervisor is gone)`, async () => {
    h = await startRuntime();
    const s = await h.runtime.create({ nodes: [bun("a", "t.pass"), py("b", "py.pass")], connections: chain("a", "b") });
    await until(() => s.state.kind === "ready", "the session to be ready");
    void h.launcher.spawned.get(s.nodes[index]!.pid!)!.proc.stdin.end();
    await expectNothingLeft(s);
    expect(s.view().nodes[index]!.exit?.code).toBe(0);
    expect(s.view().reason).toMatchObject({ code: "pipeline_terminated", node: s.nodes[index]!.id, exit_code: 0 });
  });
}
