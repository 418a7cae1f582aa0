import { describe, expect, test } from "bun:test";
import { integerFlag, listFlag, parseArgs, stringFlag, wantsHelp, type ArgSpec } from "./args.ts";
import { CliError } from "./errors.ts";

const submitLike: ArgSpec = {
  flags: { payload: { type: "string" }, wait: { type: "boolean" }, array: { type: "list" }, follow: { type: "boolean", short: "f" } },
  positionals: ["TASK", "EXTRA?"],
};

function usageMessage(argv: string[]): string {
  try {
    parseArgs(argv, submitLike);
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    return (err as CliError).message;
  }
  throw new Error("expected a usage error");
}

describe("client argument parsing", () => {
  test("flags take values as `--x v` or `--x=v`, anywhere among positionals", () => {
    const args = parseArgs(["--payload", "{}", "echo", "--wait", "--array=a=x.npy", "--array", "b=y.npy", "-f"], submitLike);
    expect(args.positionals).toEqual(["echo"]);
    expect(stringFlag(args, "payload")).toBe("{}");
    expect(args.flags.get("wait")).toBe(true);
    expect(args.flags.get("follow")).toBe(true);
    expect(listFlag(args, "array")).toEqual(["a=x.npy", "b=y.npy"]);
  });
  test("the global flags work for every command", () => {
    const args = parseArgs(["echo", "--json", "--socket=/tmp/s.sock", "--config", "g.toml", "--url", "http://h:1", "--token", "t"], submitLike);
    expect(args.flags.get("json")).toBe(true);
    expect(stringFlag(args, "socket")).toBe("/tmp/s.sock");
    expect([stringFlag(args, "config"), stringFlag(args, "url"), stringFlag(args, "token")]).toEqual(["g.toml", "http://h:1", "t"]);
  });
  test("`--` makes the rest positional", () => {
    expect(parseArgs(["--", "-odd-id"], submitLike).positionals).toEqual(["-odd-id"]);
  });
  test("an unknown flag is named, with the closest one the command knows, else all of them", () => {
    expect(usageMessage(["echo", "--paylod", "{}"])).toBe("unknown flag --paylod; did you mean --payload?");
    expect(usageMessage(["echo", "--sokcet", "x"])).toBe("unknown flag --sokcet; did you mean --socket?");
    expect(usageMessage(["echo", "--zzzzzz"])).toStartWith("unknown flag --zzzzzz (this command knows --payload,");
    expect(usageMessage(["echo", "-x"])).toStartWith("unknown flag -x");
  });
  test("missing values, values on booleans and wrong positional counts are usage errors", () => {
    expect(usageMessage(["echo", "--payload"])).toBe("--payload needs a value");
    expect(usageMessage(["echo", "--wait=yes"])).toBe("--wait takes no value (got '--wait=yes')");
    expect(usageMessage([])).toBe("missing TASK");
    expect(usageMessage(["a", "b", "c"])).toBe("unexpected argument 'c'");
  });
  test("integer flags say what they expected", () => {
    const args = parseArgs(["echo", "--payload", "1.5"], submitLike);
    expect(() => integerFlag(args, "payload", 0)).toThrow('--payload: expected an integer >= 0, got "1.5"');
    expect(integerFlag(parseArgs(["echo", "--payload", "7"], submitLike), "payload", 0)).toBe(7);
  });
  test("--help is seen before parsing, but not after `--`", () => {
    expect(wantsHelp(["--payload", "--help"])).toBe(true);
    expect(wantsHelp(["-h"])).toBe(true);
    expect(wantsHelp(["--", "--help"])).toBe(false);
  });
});
