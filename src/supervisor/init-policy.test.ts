import { describe, expect, test } from "bun:test";
import { exitCodeOfExit, exitCodeOfWaitStatus, INIT_CHILD_ENV, shouldRunAsInit } from "./init-policy.ts";

describe("init policy", () => {
  test("only pid 1 without the marker becomes init", () => {
    expect(shouldRunAsInit(1, {})).toBe(true);
    expect(shouldRunAsInit(1, { [INIT_CHILD_ENV]: "1" })).toBe(false); // the supervisor under our init
    expect(shouldRunAsInit(1, { [INIT_CHILD_ENV]: "" })).toBe(false); // set at all is enough
    expect(shouldRunAsInit(4242, {})).toBe(false);
  });

  test("a wait status that exited gives its code", () => {
    expect(exitCodeOfWaitStatus(0)).toBe(0);
    expect(exitCodeOfWaitStatus(2 << 8)).toBe(2);
    expect(exitCodeOfWaitStatus(7 << 8)).toBe(7); // 1792, as waitpid gave for `exit 7`
    expect(exitCodeOfWaitStatus(255 << 8)).toBe(255);
  });

  test("a wait status killed by a signal gives 128 + its number, core dump or not", () => {
    expect(exitCodeOfWaitStatus(9)).toBe(137); // SIGKILL
    expect(exitCodeOfWaitStatus(15)).toBe(143); // SIGTERM
    expect(exitCodeOfWaitStatus(0x80 | 6)).toBe(134); // SIGABRT with the core-dump bit
  });

  test("Bun's onExit: the code, else 128 + the signal, by name or by number", () => {
    expect(exitCodeOfExit(0, null)).toBe(0);
    expect(exitCodeOfExit(3, null)).toBe(3);
    expect(exitCodeOfExit(null, "SIGTERM")).toBe(143);
    expect(exitCodeOfExit(null, "SIGKILL")).toBe(137);
    expect(exitCodeOfExit(null, "SIGQUIT")).toBe(131);
    expect(exitCodeOfExit(null, 10)).toBe(138);
  });

  test("neither a code nor a known signal is a failure, never 0", () => {
    expect(exitCodeOfExit(null, null)).toBe(1);
    expect(exitCodeOfExit(null, "SIGNOPE")).toBe(1);
  });
});
