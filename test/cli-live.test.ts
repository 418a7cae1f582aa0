/**
 * The CLI's live output against a real gaia: `submit --wait` under a real pseudo-terminal
 * (util-linux `script`) draws a progress bar (driven by the job's events) or a spinner and
 * leaves only the result; piped, it prints the result alone (and the job id on stderr);
 * `logs -f` follows new lines; `workers` shows a restart.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BINARY, Gaia } from "./helpers/gaia.ts";

const tasksModule = resolve(import.meta.dir, "fixtures/tasks.ts");
const scratch = mkdtempSync(join(tmpdir(), "gaia-cli-live-"));
let gaia: Gaia;

beforeAll(async () => {
  gaia = await Gaia.start({ config: { pools: [{ name: "default", size: 2, modules: [tasksModule] }] } });
});
afterAll(async () => {
  await gaia?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const env = () => ({ ...process.env, GAIA_SOCKET: gaia.socket, GAIA_CONFIG: undefined, GAIA_RUN_DIR: undefined, GAIA_DATA_DIR: undefined });
const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** Runs `gaia ARGS` with stdin, stdout and stderr on a pseudo-terminal; gives what it wrote. */
async function inTerminal(args: string[]): Promise<{ code: number; screen: string }> {
  const command = [BINARY, ...args].map(quote).join(" ");
  const proc = Bun.spawn(["script", "-qec", command, "/dev/null"], { cwd: scratch, env: env(), stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  const [screen, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return { code, screen };
}

const hasScript = Bun.which("script") !== null;

describe("gaia submit --wait", () => {
  test.if(hasScript)("on a terminal, a job that reports progress gets a bar with its message; the result stays", async () => {
    const { code, screen } = await inTerminal(["submit", "test.steps", "--payload", '{"steps":4,"ms":400}', "--wait"]);
    expect(code).toBe(0);
    const frames = screen.split("\r").map((f) => f.replace("\x1b[2K", ""));
    const bars = frames.filter((f) => /^\[[#-]{20}\]\s+\d+% step \d of 4\s+\d+\.\ds/.test(f));
    expect(bars.length).toBeGreaterThan(0);
    expect(bars.some((f) => f.includes("step 1 of 4"))).toBe(true);
    // The live line is erased before the result, which is what remains.
    const last = screen.slice(screen.lastIndexOf("\x1b[2K") + 4).replaceAll("\r", "");
    expect(JSON.parse(last)).toEqual({ steps: 4 });
  });

  test.if(hasScript)("on a terminal, a job without progress gets a spinner with the elapsed time", async () => {
    const { code, screen } = await inTerminal(["submit", "test.spin", "--payload", '{"ms":700}', "--wait"]);
    expect(code).toBe(0);
    expect(screen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] running \d+\.\ds/);
    expect(screen.trimEnd().endsWith('"spun"')).toBe(true);
  });

  test("with stdout not a terminal it prints the result and nothing else; stderr has the job id alone", async () => {
    const proc = Bun.spawn([BINARY, "submit", "test.steps", "--payload", '{"steps":2,"ms":300}', "--wait"], { cwd: scratch, env: env(), stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(JSON.parse(stdout)).toEqual({ steps: 2 });
    expect((await gaia.request("GET", `/v1/jobs/${stderr.trim()}`)).body).toMatchObject({ task: "test.steps", state: "succeeded" });
  });
});

describe("following and tables", () => {
  test("logs -f prints lines printed after it started, until Ctrl-C", async () => {
    const proc = Bun.spawn([BINARY, "logs", "-f", "--tail", "0"], { cwd: scratch, env: env(), stdout: "pipe", stderr: "pipe" });
    let out = "";
    void (async () => {
      for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk);
    })();
    await Bun.sleep(300); // it has taken its starting point
    const line = `followed-${Date.now()}`;
    const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "test.print", payload: { line } })).body;
    await gaia.until("the line in logs -f", async () => out.includes(line));
    expect(out).toMatch(new RegExp(`^default-\\d\\s* \\| \\[job ${job.id}\\] ${line}$`, "m"));
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(0);
  });

  test("workers shows a killed worker's restart and last exit in aligned columns", async () => {
    const victim = (await gaia.workers()).find((w) => w.id === "default-1");
    process.kill(victim.pid, "SIGKILL");
    await gaia.until("the replacement", async () => (await gaia.workers()).find((w) => w.id === "default-1" && w.pid !== victim.pid && w.state === "idle"));
    const proc = Bun.spawn([BINARY, "workers"], { cwd: scratch, env: env(), stdout: "pipe" });
    const text = await new Response(proc.stdout).text();
    expect(await proc.exited).toBe(0);
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+POOL\s+STATE\s+PID\s+RSS MIB\s+JOBS DONE\s+RESTARTS\s+LAST EXIT$/);
    const row = lines.find((l) => l.startsWith("default-1"))!;
    expect(row).toMatch(/\s1\s+SIGKILL \(crash\)$/);
    // Aligned: each header starts where its column's cells start (right-aligned ones end there).
    const lastExitAt = lines[0]!.indexOf("LAST EXIT");
    for (const l of lines.slice(1)) expect(l[lastExitAt - 1]).toBe(" ");
    expect(row.indexOf("SIGKILL")).toBe(lastExitAt);
  });
});
