/**
 * `gaia completion bash|zsh|fish` (SPEC §8, §15): the scripts in completions/ are what the
 * binary prints (run `bun completions/update.ts` after a change to the command table), each
 * parses in its shell where that shell is installed, and bash's completes for real: the
 * commands, a command's flags, a subcommand's words, and --state's job states.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { FILES } from "../completions/update.ts";
import { BINARY } from "./helpers/gaia.ts";

const folder = resolve(import.meta.dir, "../completions");

function printed(shell: string): string {
  const ran = Bun.spawnSync([BINARY, "completion", shell], { stdout: "pipe", stderr: "pipe" });
  expect({ shell, code: ran.exitCode, stderr: ran.stderr.toString() }).toEqual({ shell, code: 0, stderr: "" });
  return ran.stdout.toString();
}

/** What bash's completion offers for the words typed so far (the last one being completed). */
function bashComplete(words: string[]): string[] {
  const script = `source ${JSON.stringify(join(folder, FILES.bash))}
COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(" ")}); COMP_CWORD=${words.length - 1}
_gaia; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const ran = Bun.spawnSync(["bash", "-c", script], { stdout: "pipe", stderr: "pipe" });
  expect(ran.stderr.toString()).toBe("");
  return ran.stdout.toString().split("\n").filter(Boolean);
}

describe("shell completions", () => {
  test("completions/ holds exactly what 'gaia completion SHELL' prints", () => {
    for (const [shell, file] of Object.entries(FILES)) {
      const saved = readFileSync(join(folder, file), "utf8");
      expect({ file, current: saved === printed(shell) }).toEqual({ file, current: true });
    }
  });

  test("an unknown shell is a usage error with a suggestion", () => {
    const ran = Bun.spawnSync([BINARY, "completion", "zhs"], { stdout: "pipe", stderr: "pipe" });
    expect(ran.exitCode).toBe(2);
    expect(ran.stderr.toString()).toStartWith("gaia: no completion for 'zhs'; did you mean 'zsh'? (gaia completes bash, zsh, fish)");
  });

  test.if(Bun.which("bash") !== null)("bash completes commands, flags, subcommands and job states", () => {
    expect(bashComplete(["gaia", "sta"])).toEqual(["start", "status"]);
    expect(bashComplete(["gaia", "submit", "--pri"])).toEqual(["--priority"]);
    expect(bashComplete(["gaia", "events", "--"])).toEqual(expect.arrayContaining(["--job", "--config", "--socket", "--url", "--token", "--json"]));
    expect(bashComplete(["gaia", "schedule", ""])).toEqual(["run", "pause", "resume"]);
    expect(bashComplete(["gaia", "jobs", "--state", "t"])).toEqual(["timed_out"]);
    expect(bashComplete(["gaia", "completion", ""])).toEqual(["bash", "zsh", "fish"]);
  });

  test.if(Bun.which("zsh") !== null)("the zsh script parses (zsh -n)", () => {
    const ran = Bun.spawnSync(["zsh", "-n", join(folder, FILES.zsh)], { stderr: "pipe" });
    expect({ code: ran.exitCode, stderr: ran.stderr.toString() }).toEqual({ code: 0, stderr: "" });
  });

  test.if(Bun.which("fish") !== null)("the fish script parses, and completes commands, subcommands and job states", () => {
    const parsed = Bun.spawnSync(["fish", "--no-execute", join(folder, FILES.fish)], { stderr: "pipe" });
    expect({ code: parsed.exitCode, stderr: parsed.stderr.toString() }).toEqual({ code: 0, stderr: "" });
    const complete = (line: string) => {
      const ran = Bun.spawnSync(["fish", "--no-config", "-c", `source ${join(folder, FILES.fish)}; complete -C ${JSON.stringify(line)}`], { stdout: "pipe", stderr: "pipe" });
      return ran.stdout.toString().split("\n").filter(Boolean).map((l) => l.split("\t")[0]);
    };
    expect(complete("gaia sta")).toEqual(["start", "status"]);
    expect(complete("gaia schedule ").sort()).toEqual(["pause", "resume", "run"]);
    expect(complete("gaia jobs --state t")).toEqual(["timed_out"]);
  });
});
