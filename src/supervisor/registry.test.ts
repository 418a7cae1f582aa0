import { describe, expect, test } from "bun:test";
import { isZombie, startTime } from "./proc.ts";
import { isSameProcess } from "./registry.ts";

describe("registry entries", () => {
  test("a live process with its start time is the same process; another start time is not", () => {
    const me = { name: "me", pid: process.pid, start_time: startTime(process.pid) };
    expect(isSameProcess(me)).toBe(true);
    expect(isSameProcess({ ...me, start_time: (me.start_time ?? 0) + 1 })).toBe(false);
  });

  test("an exited but unreaped process (a zombie) is not the process any more", async () => {
    // sh starts a short `sleep` in the background, then becomes `sleep 5`, which never reaps
    // it. The background child must outlive the exec: dash reaps a child that already ended
    // (a background `true` was gone, not a zombie, in about half the runs here).
    const sh = Bun.spawn(["sh", "-c", "sleep 0.2 & echo $!; exec sleep 5"], { stdout: "pipe" });
    const reader = sh.stdout.getReader();
    const zombie = Number(new TextDecoder().decode((await reader.read()).value).trim());
    for (let i = 0; i < 100 && !isZombie(zombie); i++) await Bun.sleep(10);
    expect(isZombie(zombie)).toBe(true);
    expect(isSameProcess({ name: "z", pid: zombie, start_time: startTime(zombie) })).toBe(false);
    sh.kill();
    await sh.exited;
  });
});
