import { describe, expect, test } from "bun:test";
import { isZombie, startTime } from "../lib/proc.ts";
import { isSameProcess } from "./registry.ts";

describe("registry entries", () => {
  test("a live process with its start time is the same process; another start time is not", () => {
    const me = { name: "me", pid: process.pid, start_time: startTime(process.pid) };
    expect(isSameProcess(me)).toBe(true);
    expect(isSameProcess({ ...me, start_time: (me.start_time ?? 0) + 1 })).toBe(false);
  });

  test("an exited but unreaped process (a zombie) is not the process any more", async () => {
    // sh starts a short sleep in the background, then becomes a long one, which never reaps
    // it. (With `true`, the child could end before the exec, and the shell reaped it.)
    const sh = Bun.spawn(["sh", "-c", "sleep 0.3 & echo $!; exec sleep 30"], { stdout: "pipe" });
    const reader = sh.stdout.getReader();
    const zombie = Number(new TextDecoder().decode((await reader.read()).value).trim());
    // Up to 10 s: on a loaded machine the background child may take a while to run and exit.
    for (let i = 0; i < 1000 && !isZombie(zombie); i++) await Bun.sleep(10);
    expect(isZombie(zombie)).toBe(true);
    expect(isSameProcess({ name: "z", pid: zombie, start_time: startTime(zombie) })).toBe(false);
    sh.kill();
    await sh.exited;
  });
});
