/**
 * `gaia config check` beyond the schema (SPEC §3), through the real binary on real files:
 * each pool's modules are loaded in a throwaway process (the binary's `__tasks` role for Bun,
 * the pool's interpreter for Python: a real one with cbor2, a bare venv without, and one that
 * does not exist), and every schedule's and `tasks."NAME"` task must be served. Also syntax
 * errors with their line, `config schema`, and `config --help`.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { BINARY } from "./helpers/gaia.ts";

const root = mkdtempSync(join(tmpdir(), "gaia-config-check-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, "case-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

async function check(dir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, GAIA_SOCKET: undefined, GAIA_CONFIG: undefined, GAIA_RUN_DIR: undefined, GAIA_DATA_DIR: undefined };
  const proc = Bun.spawn([BINARY, "config", ...(args.length ? args : ["check", "gaia.toml"])], { cwd: dir, env, stdout: "pipe", stderr: "pipe", timeout: 90_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}
const lines = (text: string) => text.trim().split("\n");

const BUN_TASKS = 'console.log("printed while imported");\nexport const tasks = { "math.add": (p: { a: number; b: number }) => p.a + p.b };\n';
const PY_TASKS = 'from gaia_worker import task\nprint("printed while imported")\n\n@task("py.mean")\ndef mean(p, ctx):\n    return sum(p) / len(p)\n';

describe("gaia config check loads the pools' modules", () => {
  test("a good config prints the tasks each pool serves, Bun and Python, whatever the modules print", async () => {
    const dir = folder({
      "tasks/math.ts": BUN_TASKS,
      "tasks/score.py": PY_TASKS,
      "gaia.toml": `[[pools]]\nname = "default"\nsize = 1\nmodules = ["tasks/math.ts"]\n\n[[pools]]\nname = "py"\nruntime = "python"\npython = ${JSON.stringify(VENV_PYTHON)}\nsize = 1\nmodules = ["tasks/score.py"]\n\n[tasks."py.mean"]\ntimeout_s = 5\n\n[[schedules]]\nname = "adder"\nevery_s = 60\ntask = "math.add"\npayload = { a = 1, b = 2 }\n`,
    });
    const ran = await check(dir);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    const out = JSON.parse(ran.stdout);
    expect(out.tasks).toEqual({ default: ["echo", "sleep", "math.add"], py: ["echo", "py.mean", "sleep"] });
    expect(out.config.pools.map((p: { name: string }) => p.name)).toEqual(["default", "py"]);
  });

  test("a Bun module that is missing, one without `tasks`, and one that does not parse: one line each", async () => {
    const dir = folder({
      "ok.ts": BUN_TASKS,
      "none.ts": "export const nothing = 1;\n",
      "broken.ts": "export const tasks = {\n",
      "gaia.toml": '[[pools]]\nname = "default"\nsize = 1\nmodules = ["ok.ts", "missing.ts", "none.ts", "broken.ts"]\n',
    });
    const ran = await check(dir);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe("");
    const [missing, none, broken, ...rest] = lines(ran.stderr);
    expect(rest).toEqual([]);
    expect(missing).toBe(`config: pools[0].modules[1]: cannot load "${join(dir, "missing.ts")}": ResolveMessage: Cannot find module '${join(dir, "missing.ts")}'`);
    expect(none).toBe(`config: pools[0].modules[2]: cannot load "${join(dir, "none.ts")}": task module ${join(dir, "none.ts")} does not export \`tasks\` (an object from task name to handler)`);
    expect(broken).toStartWith(`config: pools[0].modules[3]: cannot load "${join(dir, "broken.ts")}": `);
  });

  test("Python: a missing interpreter, python9, one without cbor2, and a module that fails to import", async () => {
    const dir = folder({ "bad.py": "import nonexistent_package_for_gaia\n", "gaia.toml": "" });
    expect(Bun.spawnSync([VENV_PYTHON, "-m", "venv", "--without-pip", join(dir, "bare")]).success).toBe(true);
    const bare = join(dir, "bare/bin/python");
    const pool = (i: number, python: string, modules = "[]") => `[[pools]]\nname = "p${i}"\nruntime = "python"\npython = ${JSON.stringify(python)}\nsize = 1\nmodules = ${modules}\n`;
    writeFileSync(join(dir, "gaia.toml"), [pool(0, "/no/such/python3"), pool(1, "python9"), pool(2, bare), pool(3, VENV_PYTHON, '["bad.py"]')].join("\n"));
    const ran = await check(dir);
    expect(ran.code).toBe(2);
    expect(lines(ran.stderr)).toEqual([
      "config: pools[0].python: cannot run '/no/such/python3': no such program; install Python 3.10+ or set pools[0].python to an interpreter",
      "config: pools[1].python: cannot run 'python9': no such program; install Python 3.10+ or set pools[1].python to an interpreter",
      `config: pools[2].python: '${bare}' has no cbor2 package; install it with '${bare} -m pip install cbor2'`,
      `config: pools[3].modules[0]: cannot load "${join(dir, "bad.py")}": ModuleNotFoundError: No module named 'nonexistent_package_for_gaia'`,
    ]);
  });

  test("a schedule's task and a tasks.\"NAME\" policy that no pool serves", async () => {
    const dir = folder({
      "gaia.toml": '[[pools]]\nname = "default"\nsize = 1\n\n[tasks."report.build"]\ntimeout_s = 600\n\n[[schedules]]\nname = "ok"\nevery_s = 60\ntask = "echo"\n\n[[schedules]]\nname = "nightly"\ncron = "0 3 * * *"\ntask = "report.biuld"\n',
    });
    const ran = await check(dir);
    expect(ran.code).toBe(2);
    expect(lines(ran.stderr)).toEqual([
      "config: schedules[1].task: no pool serves task 'report.biuld' (the pools serve: echo, sleep)",
      'config: tasks."report.build": no pool serves this task, so its policy would never apply (the pools serve: echo, sleep)',
    ]);
  });

  test("--config FILE works as FILE does; giving two different files is a usage error", async () => {
    const dir = folder({ "a.toml": '[[pools]]\nname = "a"\nsize = 1\n', "b.toml": '[[pools]]\nname = "b"\nsize = 1\n' });
    const ran = await check(dir, "check", "--config", "a.toml");
    expect(JSON.parse(ran.stdout).tasks).toEqual({ a: ["echo", "sleep"] });
    const both = await check(dir, "check", "a.toml", "--config", "b.toml");
    expect(both.code).toBe(2);
    expect(both.stderr).toStartWith("gaia: give the file once: 'a.toml' or --config b.toml");
  });
});

describe("syntax errors, the schema, help", () => {
  test("a TOML or JSON syntax error names its line", async () => {
    const dir = folder({ "gaia.toml": '[queue]\nmax_depth = 5\n\n[[pools]]\nname = "x"\nsize = \n', "gaia.json": '{\n  "queue": {\n    "max_depth": 5,\n  }\n}\n' });
    const toml = await check(dir);
    expect(lines(toml.stderr)).toEqual([`config: ${join(dir, "gaia.toml")}: line 6: cannot parse: Missing value after '='; values must be on the same line`]);
    const json = await check(dir, "check", "gaia.json");
    expect(json.code).toBe(2);
    // The trailing comma on line 3 is the mistake (the parser notices at line 4's brace).
    expect(lines(json.stderr)).toEqual([`config: ${join(dir, "gaia.json")}: line 3: cannot parse: Property name must be a string literal`]);
  });

  test("config schema is a JSON Schema of the input: strict objects, defaults, pools' size optional", async () => {
    const ran = await check(root, "schema");
    expect(ran.code).toBe(0);
    const schema = JSON.parse(ran.stdout);
    expect(schema).toMatchObject({ $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", additionalProperties: false });
    expect(schema.properties.run_dir).toMatchObject({ type: "string", default: ".gaia/run" });
    const pool = schema.properties.pools.items;
    expect(pool.required).toEqual(["name"]);
    expect(pool.properties.size).toMatchObject({ type: "integer", minimum: 1 });
    expect(pool.properties.runtime).toMatchObject({ enum: ["bun", "python"], default: "bun" });
    expect(pool.additionalProperties).toBe(false);
    expect(schema.properties.pools.default).toBeUndefined();
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["control", "queue", "shutdown", "restart", "arrays", "gpu", "pools", "tasks", "schedules"]));
  });

  test("config --help explains check and schema; a mistyped action gets a suggestion", async () => {
    const help = await check(root, "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("gaia config check [FILE]");
    expect(help.stdout).toContain("gaia config schema");
    const typo = await check(root, "shcema");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toStartWith("gaia: unknown action 'shcema'; did you mean 'schema'?");
  });
});
