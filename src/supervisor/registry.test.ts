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
    // sh starts `true` in the background, then becomes `sleep`, which never reaps it.
    const sh = Bun.spawn(["sh", "-c", "true & echo $!; exec sleep 5"], { stdout: "pipe" });
    const reader = sh.stdout.getReader();
    const zombie = Number(new TextDecoder().decode((await reader.read()).value).trim());
    for (let i = 0; i < 100 && !isZombie(zombie); i++) await Bun.sleep(10);
    expect(isZombie(zombie)).toBe(true);
    expect(isSameProcess({ name: "z", pid: zombie, start_time: startTime(zombie) })).toBe(false);
    sh.kill();
    await sh.exited;
  });
});
