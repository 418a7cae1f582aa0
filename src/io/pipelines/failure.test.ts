import { describe, expect, test } from "bun:test";
import { channelFailure, errorFailure, exitFailure, initTimeout, spawnFailure } from "./failure.ts";

const killed = { code: null, signal: "SIGKILL", lines: ["last words"] };
const error = { type: "ValueError", message: "no model 'huge'\nmore", traceback: "Traceback ..." };

describe("the failure a node's exit causes", () => {
  test("while starting: process_crashed, with the exit and the last lines", () => {
    expect(exitFailure("initializing", "asr", 42, { code: 3, signal: null, lines: ["boom"] }, null)).toEqual({
      code: "process_crashed", node: "asr", message: "node 'asr' (pid 42) exited with code 3 while starting", exit_code: 3, signal: null, lines: ["boom"],
    });
  });

  test("while streaming: pipeline_terminated naming the node and the signal", () => {
    const f = exitFailure("ready", "filter", 7, killed, null)!;
    expect([f.code, f.message, f.signal]).toEqual(["pipeline_terminated", "node 'filter' (pid 7) was killed by SIGKILL while streaming", "SIGKILL"]);
  });

  test("an exception reported before the exit goes with it", () => {
    const f = exitFailure("initializing", "asr", 42, { code: 1, signal: null, lines: [] }, error)!;
    expect(f.message).toBe("node 'asr' (pid 42) exited with code 1 after raising ValueError: no model 'huge' while starting");
    expect(f.error).toEqual(error);
  });

  test("a memory stop says the figures", () => {
    const f = exitFailure("ready", "asr", 1, { code: null, signal: "SIGKILL", lines: [], reason: "memory", detail: "rss 612 MiB > limit 512 MiB" }, null)!;
    expect(f.message).toBe("node 'asr' (pid 1) was stopped for memory: rss 612 MiB > limit 512 MiB while streaming");
  });

  test("exits while terminating or after the end cause nothing (the first reason wins elsewhere)", () => {
    expect(exitFailure("terminating", "a", 1, killed, null)).toBeNull();
    expect(exitFailure("ended", "a", 1, killed, null)).toBeNull();
    expect(errorFailure("terminating", "a", error)).toBeNull();
    expect(channelFailure("ended", "a", "x->y", "closed")).toBeNull();
  });
});

describe("the other failures", () => {
  test("init_timeout names the first node not ready and the others", () => {
    expect(initTimeout(["b", "c"], 1.5)).toEqual({ code: "init_timeout", node: "b", message: "node 'b' did not report ready within init_timeout_s = 1.5 (nor had 'c')" });
    expect(initTimeout(["b"], 30).message).toBe("node 'b' did not report ready within init_timeout_s = 30");
  });

  test("an error with no exit, a lost channel, a spawn that failed", () => {
    expect(errorFailure("ready", "a", error)!.message).toBe("node 'a' raised ValueError: no model 'huge' while streaming");
    expect(channelFailure("initializing", "a", "a.out->b.in", "peer closed")!).toMatchObject({ code: "process_crashed", message: "channel a.out->b.in of node 'a' was lost while starting: peer closed" });
    expect(spawnFailure("a", "python9: not found")).toEqual({ code: "process_crashed", node: "a", message: "node 'a' could not be started: python9: not found" });
  });
});
