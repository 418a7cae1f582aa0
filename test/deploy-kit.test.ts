/**
 * The deployment kit (deploy/, SPEC §15), checked without a Docker engine: these machines run
 * none (the docker client is there, its daemon is not), so nothing here builds an image.
 * Instead:
 *
 * - the Dockerfile's structure: two stages, the build on Node with npm, the runtime on a slim
 *   Debian with a venv holding cbor2 and numpy, COPY --from naming a real stage, gaia as the
 *   exec-form ENTRYPOINT, a HEALTHCHECK on /health, a non-root USER, the /dev/shm advice;
 * - what the image would hold: a folder laid out as its COPY lines say (the build stage's
 *   /src is this repository after `npm ci`, which built ./gaia), whose binary then runs
 *   with the image's ENTRYPOINT, ENV and config as PID 1 of a new PID namespace (and its own
 *   network namespace, so the config's 0.0.0.0:8470 takes no port from this machine); the
 *   HEALTHCHECK's own command answers, `gaia status` works as `docker exec` would run it, and
 *   SIGTERM (`docker stop`) ends it with exit code 0. Not covered: apt-get and pip in the
 *   runtime stage, and USER gaia (the test runs as whoever runs it);
 * - the systemd unit: `systemd-analyze verify` (with ExecStart pointed at the built binary)
 *   says nothing, and the settings that fit gaia's own supervision are there.
 */
import { afterAll, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { processes } from "./helpers/pidns.ts";

const ROOT = resolve(import.meta.dir, "..");
const DOCKERFILE = readFileSync(join(ROOT, "deploy/Dockerfile"), "utf8");
const UNIT = readFileSync(join(ROOT, "deploy/gaia.service"), "utf8");
const scratch = mkdtempSync(join(tmpdir(), "gaia-deploy-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Instruction = { op: string; args: string; stage: number };

/** Instructions with their continuation lines joined; comments and blank lines dropped. */
function parse(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  let stage = -1;
  for (const line of text.split("\n")) {
    if (!pending && /^\s*(#|$)/.test(line)) continue;
    pending += line.replace(/\\\s*$/, " ");
    if (/\\\s*$/.test(line)) continue;
    const [, op, args] = /^\s*(\w+)\s+([\s\S]*)$/.exec(pending)!;
    if (op!.toUpperCase() === "FROM") stage++;
    out.push({ op: op!.toUpperCase(), args: args!.trim().replace(/\s+/g, " "), stage });
    pending = "";
  }
  return out;
}

const steps = parse(DOCKERFILE);
const stages = steps.filter((s) => s.op === "FROM").map((s) => /^(\S+)(?: AS (\S+))?$/i.exec(s.args)!);
const runtime = steps.filter((s) => s.stage === stages.length - 1);
const one = (op: string) => runtime.filter((s) => s.op === op).at(-1)!;
const execForm = (args: string) => JSON.parse(args.replace(/^CMD /, "")) as string[];
const env = Object.fromEntries([...one("ENV").args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map(([, k, v]) => [k!, v!.replace(/^"|"$/g, "")]));

test("the Dockerfile: a Node build stage, a slim runtime with a venv of cbor2 and numpy, gaia as PID 1, a HEALTHCHECK on /health", () => {
  const known = new Set(["FROM", "RUN", "COPY", "ENV", "WORKDIR", "USER", "VOLUME", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD", "ARG", "LABEL", "STOPSIGNAL"]);
  expect(steps.map((s) => s.op).filter((op) => !known.has(op))).toEqual([]);
  expect(stages.map((m) => [m[1]!.split(":")[0], m[2]])).toEqual([["node", "build"], ["debian", "runtime"]]);
  expect(stages[1]![1]).toMatch(/-slim$/);
  expect(steps.some((s) => s.stage === 0 && s.op === "RUN" && /npm (ci|install)/.test(s.args))).toBe(true);
  for (const copy of steps.filter((s) => s.op === "COPY" && s.args.startsWith("--from="))) {
    expect(stages.slice(0, copy.stage).map((m) => m[2])).toContain(/--from=(\S+)/.exec(copy.args)![1]);
  }
  expect(runtime.some((s) => s.op === "RUN" && /python3 -m venv \/opt\/venv/.test(s.args) && /pip install .*cbor2.*numpy/.test(s.args))).toBe(true);
  expect(env.PATH).toStartWith("/opt/venv/bin:");
  expect(execForm(one("ENTRYPOINT").args)).toEqual(["/usr/local/bin/gaia", "start"]); // exec form: gaia is PID 1
  expect(one("HEALTHCHECK").args).toMatch(/^--interval=\S+ --timeout=\S+ .*CMD \[/);
  expect(execForm(one("HEALTHCHECK").args.replace(/^.*?CMD /, ""))).toContain("http://gaia/health");
  expect(one("USER").args).not.toMatch(/^(root|0)$/);
  expect(DOCKERFILE).toContain("--shm-size");
  expect(DOCKERFILE).toContain("64 MB");
  const ignore = readFileSync(join(ROOT, "deploy/Dockerfile.dockerignore"), "utf8").split("\n");
  expect(ignore).toEqual(expect.arrayContaining(["node_modules", "gaia", ".gaia"]));
});

/** The image's files in a folder: COPY --from=build takes /src/X from this repository's X. */
function layOut(root: string): void {
  for (const copy of runtime.filter((s) => s.op === "COPY")) {
    const [from, src, dest] = /^(?:--from=(\S+) )?(\S+) (\S+)$/.exec(copy.args)!.slice(1);
    const source = from ? join(ROOT, src!.replace(/^\/src\//, "")) : join(ROOT, src!);
    mkdirSync(dirname(join(root, dest!)), { recursive: true });
    cpSync(source, join(root, dest!), { recursive: true });
  }
  for (const dir of ["run/gaia", "var/lib/gaia", "app"]) mkdirSync(join(root, dir), { recursive: true });
}

test("the image's layout runs: its ENTRYPOINT as PID 1, its HEALTHCHECK answers, docker exec works, docker stop ends it with 0", async () => {
  const root = join(scratch, "rootfs");
  layOut(root);
  const inRoot = (p: string) => join(root, p); // an absolute path of the image, in the folder
  const binary = inRoot("usr/local/bin/gaia");
  expect(statSync(binary).mode & 0o111).not.toBe(0);
  const check = Bun.spawnSync([binary, "config", "check", inRoot(env.GAIA_CONFIG!)], { stdout: "pipe", stderr: "pipe" });
  expect({ code: check.exitCode, err: check.stderr.toString() }).toEqual({ code: 0, err: "" });
  // Where the image has /run/gaia and /var/lib/gaia, the folder's own (the config names them absolutely).
  const imageEnv = { ...process.env, GAIA_CONFIG: inRoot(env.GAIA_CONFIG!), GAIA_RUN_DIR: inRoot("run/gaia"), GAIA_DATA_DIR: inRoot("var/lib/gaia"), GAIA_SOCKET: undefined };
  const [entry, ...args] = execForm(one("ENTRYPOINT").args);
  const proc = Bun.spawn(["unshare", "--pid", "--fork", "--mount-proc", "--net", inRoot(entry!), ...args], { cwd: inRoot("app"), env: imageEnv, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let output = "";
  const collect = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) output += new TextDecoder().decode(chunk);
  };
  void collect(proc.stdout);
  void collect(proc.stderr);
  try {
    const health = execForm(one("HEALTHCHECK").args.replace(/^.*?CMD /, "")).map((a) => (a.startsWith("/run/") ? inRoot(a) : a));
    const deadline = Date.now() + 20_000;
    let probe = Bun.spawnSync(health, { stdout: "pipe", stderr: "pipe" });
    while (probe.exitCode !== 0 && Date.now() < deadline && proc.exitCode === null) {
      await Bun.sleep(50);
      probe = Bun.spawnSync(health, { stdout: "pipe", stderr: "pipe" });
    }
    expect({ code: probe.exitCode, output: probe.exitCode ? output : "" }).toEqual({ code: 0, output: "" });
    expect(JSON.parse(probe.stdout.toString()).status).toBe("ok");
    const init = processes().find((p) => p.ppid === proc.pid)!; // the namespace's PID 1
    expect(readlinkSync(`/proc/${init.pid}/exe`)).toBe(binary);
    expect(readFileSync(`/proc/${init.pid}/status`, "utf8")).toMatch(/^NSpid:\s+\d+\s+1$/m);
    // /health answers from the supervisor's own responder while the IO engine starts (SPEC
    // §1); `gaia status` needs the API itself, so `docker exec` waits for /ready, as a user's
    // script would (seen in CI: status answered 503 right after the first /health).
    const ready = ["curl", "-fsS", "--unix-socket", inRoot("run/gaia/gaia.sock"), "http://gaia/ready"];
    while (Bun.spawnSync(ready, { stdout: "ignore", stderr: "ignore" }).exitCode !== 0 && Date.now() < deadline + 20_000) await Bun.sleep(50);
    const status = Bun.spawnSync([binary, "status"], { env: imageEnv, stdout: "pipe", stderr: "pipe" });
    expect({ code: status.exitCode, err: status.exitCode ? status.stderr.toString() : "" }).toEqual({ code: 0, err: "" });
    process.kill(init.pid, "SIGTERM");
    const code = await proc.exited;
    expect({ code, output: code === 0 ? "" : output.slice(-4000) }).toEqual({ code: 0, output: "" });
  } finally {
    if (proc.exitCode === null) proc.kill("SIGKILL");
    await proc.exited;
  }
}, 60_000);

test("the systemd unit: systemd-analyze verify finds nothing; KillMode, Restart and hardening fit gaia's own supervision", () => {
  const settings = new Map([...UNIT.matchAll(/^(\w+)=(.*)$/gm)].map(([, k, v]) => [k!, v!]));
  expect(settings.get("KillMode")).toBe("mixed");
  expect(settings.get("Restart")).toBe("on-failure");
  expect(settings.get("RestartPreventExitStatus")).toBe("2");
  expect(settings.get("OOMPolicy")).toBe("continue");
  expect(Number(settings.get("TimeoutStopSec"))).toBeGreaterThanOrEqual(8 + 2);
  expect(settings.has("MemoryDenyWriteExecute")).toBe(false); // JavaScriptCore's JIT writes code
  expect(settings.get("ExecStart")).toStartWith("/usr/local/bin/gaia start");
  const which = Bun.spawnSync(["sh", "-c", "command -v systemd-analyze"], { stdout: "pipe" });
  if (which.exitCode !== 0) {
    // No systemd-analyze: at least every line is a section, a comment or KEY=VALUE.
    for (const line of UNIT.split("\n")) expect(line).toMatch(/^(|#.*|\[(Unit|Service|Install)\]|\w+=.*)$/);
    return;
  }
  // verify checks that ExecStart's program exists: point it at the built binary.
  const unit = join(scratch, "gaia.service");
  writeFileSync(unit, UNIT.replace(/^ExecStart=\/usr\/local\/bin\/gaia/m, `ExecStart=${join(ROOT, "gaia")}`));
  expect(existsSync(join(ROOT, "gaia"))).toBe(true);
  const verify = Bun.spawnSync(["systemd-analyze", "verify", unit], { stdout: "pipe", stderr: "pipe" });
  expect({ code: verify.exitCode, said: (verify.stdout.toString() + verify.stderr.toString()).trim() }).toEqual({ code: 0, said: "" });
});
