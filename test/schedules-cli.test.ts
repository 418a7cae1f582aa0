/**
 * `gaia schedules` and `gaia schedule run|pause|resume NAME` as real processes against a
 * real gaia: what they print and their exit codes (SPEC §8).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, Gaia } from "./helpers/gaia.ts";

const scratch = mkdtempSync(join(tmpdir(), "gaia-schedules-cli-"));
let gaia: Gaia;

async function cli(...args: string[]) {
  const env = { ...process.env, GAIA_SOCKET: gaia.socket, GAIA_CONFIG: undefined, GAIA_RUN_DIR: undefined, GAIA_DATA_DIR: undefined };
  const proc = Bun.spawn([BINARY, ...args], { cwd: scratch, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  gaia = await Gaia.start({
    config: {
      pools: [{ name: "default", size: 1 }],
      schedules: [
        { name: "nightly", cron: "0 3 * * *", timezone: "UTC", task: "echo" },
        { name: "hourly", every_s: 3600, task: "echo", payload: { n: 1 } },
      ],
    },
  });
});
afterAll(async () => {
  await gaia?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test("schedules prints an aligned table, one line per schedule; --json the API's body", async () => {
  const ran = await cli("schedules");
  expect(ran.code).toBe(0);
  const lines = ran.stdout.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^NAME\s+WHEN\s+TASK\s+STATE\s+NEXT RUN\s+LAST RUN\s+LAST OUTCOME\s+RUNS\s+SKIPS\s+SOURCE$/);
  expect(lines[1]).toMatch(/^hourly\s+every 3600s\s+echo\s+scheduled\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+-\s+-\s+0\s+0\s+config$/);
  expect(lines[2]).toMatch(/^nightly\s+cron 0 3 \* \* \* \(UTC\)\s+echo\s+scheduled\s+\d{4}-\d\d-\d\d 03:00:00Z\s+/);
  // Aligned: every line's TASK column starts at the same place.
  const at = lines[0]!.indexOf("TASK");
  for (const line of lines.slice(1)) expect(line.slice(at, at + 4)).toBe("echo");
  const json = JSON.parse((await cli("schedules", "--json")).stdout);
  expect(json.schedules.map((s: { name: string }) => s.name)).toEqual(["hourly", "nightly"]);
});

test("schedule run prints the job id; the job carries the schedule's name", async () => {
  const ran = await cli("schedule", "run", "hourly");
  expect(ran.code).toBe(0);
  const id = ran.stdout.trim();
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  expect((await gaia.request("GET", `/v1/jobs/${id}?wait=10`)).body).toMatchObject({ schedule: "hourly", state: "succeeded", result: { n: 1 } });
  const table = (await cli("schedules")).stdout;
  expect(table).toMatch(/^hourly\s+every 3600s\s+echo\s+scheduled\s+\S+ \S+\s+\S+ \S+\s+succeeded\s+1\s+0\s+config$/m);
});

test("schedule pause and resume change the state the table shows", async () => {
  const paused = await cli("schedule", "pause", "nightly");
  expect(paused).toMatchObject({ code: 0, stdout: "paused nightly\n" });
  expect((await cli("schedules")).stdout).toMatch(/^nightly\s+cron 0 3 \* \* \* \(UTC\)\s+echo\s+paused\s+-\s/m);
  const resumed = await cli("schedule", "resume", "nightly");
  expect(resumed.code).toBe(0);
  expect(resumed.stdout).toMatch(/^resumed nightly; next run \d{4}-\d\d-\d\d 03:00:00Z\n$/);
  const json = JSON.parse((await cli("schedule", "pause", "nightly", "--json")).stdout);
  expect(json).toMatchObject({ name: "nightly", paused: true });
});

test("an unknown schedule exits 2 with not_found; a bad action or a missing name is a usage error", async () => {
  const unknown = await cli("schedule", "run", "ghost");
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toBe("gaia: not_found: no schedule 'ghost'; see GET /v1/schedules\n");
  const action = await cli("schedule", "explode", "nightly");
  expect(action.code).toBe(2);
  expect(action.stderr).toContain("unknown action 'explode' (expected run, pause, resume)");
  const missing = await cli("schedule", "run");
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("missing NAME");
  expect((await cli("schedule", "--help")).stdout).toContain("usage: gaia schedule run|pause|resume NAME");
});
