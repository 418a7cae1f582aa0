import { describe, expect, test } from "bun:test";
import { COMMANDS, flagsOf } from "./registry.ts";
import { commandUsage, USAGE } from "./usage.ts";

describe("help texts", () => {
  test("each command's --help names every flag it takes, and the top usage names every command", () => {
    for (const name of Object.keys(COMMANDS)) {
      const help = commandUsage(name);
      expect({ name, help: help !== USAGE }).toEqual({ name, help: true });
      for (const flag of Object.keys(flagsOf(name))) {
        if (flag === "help") continue;
        expect({ name, flag, named: help.includes(`--${flag}`) }).toEqual({ name, flag, named: true });
      }
      expect({ name, listed: new RegExp(`^  ${name}\\b`, "m").test(USAGE) }).toEqual({ name, listed: true });
    }
  });

  test("every command but start lists where gaia is: --config, --socket, --url, --token, --json", () => {
    for (const name of Object.keys(COMMANDS).filter((n) => n !== "start")) {
      for (const flag of ["--config", "--socket", "--url", "--token", "--json"]) expect(commandUsage(name)).toContain(flag);
    }
  });
});
