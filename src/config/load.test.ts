import { describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { parseConfigText, validateConfig } from "./load.ts";

/** The problems of a config that must be refused. */
function problems(raw: unknown): string[] {
  const checked = validateConfig(raw);
  if (checked.ok) throw new Error(`expected problems, got a valid config for ${JSON.stringify(raw)}`);
  return checked.problems;
}

function valid(raw: unknown) {
  const checked = validateConfig(raw);
  if (!checked.ok) throw new Error(`expected a valid config, got:\n${checked.problems.join("\n")}`);
  return checked.config;
}

describe("defaults", () => {
  test("an empty config (or none) is one Bun pool 'default' with a worker per CPU and every default", () => {
    const config = valid({});
    expect(config).toEqual({
      run_dir: ".gaia/run",
      data_dir: ".gaia/data",
      control: { socket: "gaia.sock", max_body_mb: 64, listen: "", token_file: "token", tls: { cert: "", key: "" }, metrics_public: false },
      queue: { max_depth: 100_000, result_ttl_s: 86_400 },
      shutdown: { grace_s: 8 },
      restart: { intensity: 10, period_s: 60, backoff_max_ms: 10_000 },
      arrays: { dir: "/dev/shm", max_bytes: "50%", ttl_s: 3600 },
      gpu: { sample_ms: 1000 },
      pools: [
        {
          name: "default", runtime: "bun", size: availableParallelism(), size_from: "cpus", spares: 0, modules: [], python: "python3",
          max_jobs_per_worker: 0, memory_limit_mb: 0, memory_check_ms: 250, address_space_mb: 0, env: {},
          gpus_per_worker: 1, gpu_memory_limit_mb: 0,
        },
      ],
      tasks: {},
      schedules: [],
      pipelines: [],
    });
    expect(valid(undefined)).toEqual(config);
    expect(valid(null)).toEqual(config);
  });

  test("a partial section keeps the defaults of the keys it leaves out", () => {
    const config = valid({ queue: { result_ttl_s: 5 }, pools: [{ name: "py", runtime: "python" }] });
    expect(config.queue).toEqual({ max_depth: 100_000, result_ttl_s: 5 });
    expect(config.pools[0]).toMatchObject({ name: "py", runtime: "python", python: "python3", size: availableParallelism() });
  });

  test("a task policy defaults to 300 s and up to 3 retries on worker_lost only", () => {
    expect(valid({ tasks: { "weather.score": {} } }).tasks["weather.score"]).toEqual({
      timeout_s: 300,
      retries: { max: 3, on: ["worker_lost"], backoff_s: 1, factor: 2, max_backoff_s: 60 },
    });
    expect(valid({ tasks: { t: { retries: { max: 0 } } } }).tasks.t!.retries).toMatchObject({ max: 0, on: ["worker_lost"] });
  });

  test("a schedule's optional keys get their defaults", () => {
    expect(valid({ schedules: [{ name: "hb", task: "echo", every_s: 300 }] }).schedules[0]).toEqual({
      name: "hb", task: "echo", every_s: 300, loop_delay_s: 0, error_delay_s: 10, overlap: "skip", paused: false, catch_up: false,
    });
  });
});

describe("problems, one line each", () => {
  test("the spec's example reads exactly as written", () => {
    expect(problems({ pools: [{ name: "a" }, { name: "b", size: "two" }] })).toEqual([
      'config: pools[1].size: expected an integer >= 1, got "two"',
    ]);
  });

  test("unknown keys are named with their full path, one line per key", () => {
    expect(problems({ colour: 1, control: { sockett: "x" }, pools: [{ name: "a", sise: 2 }] }).sort()).toEqual([
      "config: colour: unknown key",
      "config: control.sockett: unknown key",
      "config: pools[0].sise: unknown key",
    ]);
    expect(problems({ a: 1, b: 2 }).sort()).toEqual(["config: a: unknown key", "config: b: unknown key"]);
    expect(problems({ tasks: { t: { timeout: 5 } } })).toEqual(["config: tasks.t.timeout: unknown key"]);
    expect(problems({ schedules: [{ name: "s", task: "echo", every_s: 1, evry: 2 }] })).toEqual(["config: schedules[0].evry: unknown key"]);
  });

  test("every problem of a file is reported at once", () => {
    expect(problems({ queue: { max_depth: 0 }, shutdown: { grace_s: -1 }, pools: [{ name: "a", runtime: "ruby" }] }).sort()).toEqual([
      'config: pools[0].runtime: expected one of "bun", "python", got "ruby"',
      "config: queue.max_depth: expected an integer >= 1, got 0",
      "config: shutdown.grace_s: expected a value >= 0, got -1",
    ]);
  });

  test("wrong types, missing keys, fractions and bounds say what was expected and what came", () => {
    expect(problems({ run_dir: 5 })).toEqual(["config: run_dir: expected a string, got 5"]);
    expect(problems({ pools: [{}] })).toEqual(["config: pools[0].name: expected a string, got nothing"]);
    expect(problems({ pools: [{ name: "a", size: 1.5 }] })).toEqual(["config: pools[0].size: expected an integer >= 1, got 1.5"]);
    expect(problems({ pools: [] })).toEqual(["config: pools: expected at least 1 item(s), got []"]);
    expect(problems({ tasks: { t: { timeout_s: 0 } } })).toEqual(["config: tasks.t.timeout_s: expected a value >= 0.01, got 0"]);
    expect(problems({ tasks: { t: { timeout_s: 1e-300 } } })).toEqual(["config: tasks.t.timeout_s: expected a value >= 0.01, got 1e-300"]);
    expect(problems({ pools: [{ name: "a", env: { A: 1 } }] })).toEqual(["config: pools[0].env.A: expected a string, got 1"]);
    expect(problems({ tasks: { t: { retries: { on: ["nope"] } } } })).toEqual([
      'config: tasks.t.retries.on[0]: expected one of "timeout", "worker_lost", "memory_limit_exceeded", "gpu_memory_limit_exceeded", "error", got "nope"',
    ]);
  });

  test("a long bad value is cut short; a root that is not a table says so", () => {
    const [line] = problems({ run_dir: ["x".repeat(200)] });
    expect(line).toStartWith('config: run_dir: expected a string, got ["xxx');
    expect(line).toEndWith("...");
    expect(line!.length).toBeLessThan(120);
    expect(problems([])).toEqual(["config: (root): expected an object, got []"]);
    expect(problems("pools")).toEqual(['config: (root): expected an object, got "pools"']);
  });

  test("a pool name is a plain word, and unique", () => {
    expect(problems({ pools: [{ name: "a b" }] })).toEqual([expect.stringMatching(/^config: pools\[0\]\.name: /)]);
    expect(problems({ pools: [{ name: "a" }, { name: "b" }, { name: "a" }] })).toEqual(['config: pools[2].name: duplicate pool name "a"']);
  });

  // Regression: SPEC §2: "For Bun pools a value below 4096 is a config error that says why" (the JIT).
  test("a Bun pool's address_space_mb below 4096 is refused; Python pools may go lower", () => {
    expect(problems({ pools: [{ name: "a", address_space_mb: 2048 }] })).toEqual([
      expect.stringMatching(/^config: pools\[0\]\.address_space_mb: .*JIT/),
    ]);
    expect(valid({ pools: [{ name: "a", address_space_mb: 4096 }] }).pools[0]!.address_space_mb).toBe(4096);
    expect(valid({ pools: [{ name: "py", runtime: "python", address_space_mb: 512 }] }).pools[0]!.address_space_mb).toBe(512);
  });
});

describe("sizes", () => {
  test.each(["8GiB", "512MB", "1.5 TiB", "100B", "64KiB", "50%", "12.5%"])("%p is a size", (size) => {
    expect(valid({ arrays: { max_bytes: size } }).arrays.max_bytes).toBe(size);
  });

  test("a byte count is a size", () => {
    expect(valid({ arrays: { max_bytes: 1_073_741_824 } }).arrays.max_bytes).toBe(1_073_741_824);
  });

  test.each(["8 gigs", "GiB", "8", "-5GiB", "50 percent", ""])("%p is refused with an example of a size", (size) => {
    expect(problems({ arrays: { max_bytes: size } })).toEqual([
      `config: arrays.max_bytes: expected a size such as "8GiB" or "50%", got ${JSON.stringify(size)}`,
    ]);
  });

  test("a byte count must be a whole number >= 1", () => {
    expect(problems({ arrays: { max_bytes: 0 } })).toEqual(["config: arrays.max_bytes: expected a value >= 1, got 0"]);
    expect(problems({ arrays: { max_bytes: 1.5 } })).toHaveLength(1);
  });
});

describe("schedules need exactly one of cron, every_s or loop = true", () => {
  const ONE = "config: schedules[0]: set exactly one of cron, every_s or loop = true";
  const schedule = (keys: Record<string, unknown>) => ({ schedules: [{ name: "s", task: "echo", ...keys }] });

  for (const keys of [{ cron: "*/5 * * * *" }, { every_s: 300 }, { loop: true }, { loop: false, every_s: 1 }, { cron: "0 0 * * * *", timezone: "UTC" }]) {
    test(`${JSON.stringify(keys)} is enough`, () => {
      expect(valid(schedule(keys)).schedules).toHaveLength(1);
    });
  }

  for (const keys of [{}, { loop: false }, { cron: "* * * * *", every_s: 5 }, { every_s: 5, loop: true }, { cron: "* * * * *", every_s: 5, loop: true }]) {
    test(`${JSON.stringify(keys)} is refused`, () => {
      expect(problems(schedule(keys))).toEqual([ONE]);
    });
  }

  test("every_s is 0.1 s to 1e9 s; overlap is skip or queue", () => {
    expect(problems(schedule({ every_s: 0 }))).toEqual(["config: schedules[0].every_s: expected a value >= 0.1, got 0"]);
    expect(problems(schedule({ every_s: 1e308 }))).toEqual(["config: schedules[0].every_s: expected at most 1e9 seconds (about 31 years), got 1e+308"]);
    expect(problems(schedule({ every_s: 1, overlap: "maybe" }))).toEqual([
      'config: schedules[0].overlap: expected one of "skip", "queue", got "maybe"',
    ]);
  });

  // Regression: a schedule's own problem hides the missing cron/every_s/loop (the refinement is skipped).
  test("a schedule with another problem still reports the missing cron, every_s or loop", () => {
    expect(problems(schedule({ overlap: "maybe" })).sort()).toEqual([
      ONE,
      'config: schedules[0].overlap: expected one of "skip", "queue", got "maybe"',
    ].sort());
  });

  // Regression: SPEC §10 gives cron 5 or 6 fields; a malformed expression passes `config check`.
  test("a cron expression that is not 5 or 6 fields is refused", () => {
    expect(problems(schedule({ cron: "*/5 * * *" }))).toEqual([expect.stringMatching(/^config: schedules\[0\]\.cron: /)]);
  });

  test("a cron pattern croner cannot run, or an unknown timezone, is refused in croner's words", () => {
    expect(problems(schedule({ cron: "61 * * * *" }))).toEqual(["config: schedules[0].cron: Invalid value for minute: 61"]);
    expect(problems(schedule({ cron: "0 * * * *", timezone: "Mars/Olympus" }))).toEqual([
      'config: schedules[0].timezone: unknown time zone "Mars/Olympus" (use an IANA name such as "Europe/Paris" or "UTC")',
    ]);
    expect(problems(schedule({ every_s: 5, timezone: "UTC" }))).toEqual([
      "config: schedules[0].timezone: a timezone applies to a cron pattern only; every_s and loop do not use one",
    ]);
  });
});

describe("syntax errors name their line (Bun's TOML and JSON errors do not)", () => {
  const problem = (text: string, file: string) => {
    const parsed = parseConfigText(text, file);
    if (parsed.ok) throw new Error("expected a syntax error");
    return parsed.problems;
  };
  test("TOML: a header, a value, an array, a redefined key", () => {
    expect(problem("[queue\nmax_depth = 5\n", "g.toml")).toEqual(["config: g.toml: line 1: cannot parse: Expected ']' to close a table header but found (0x0A)"]);
    expect(problem("a = 1\n\n\nb = [1,\n2,,]\n", "g.toml")).toEqual(["config: g.toml: line 5: cannot parse: Expected a value but found ','"]);
    expect(problem("[x]\na = 1\na = 2\n", "g.toml")).toEqual(["config: g.toml: line 3: cannot parse: Cannot redefine key 'a'"]);
  });
  test("JSON: the line of the token the parser stopped at", () => {
    expect(problem('{\n  "a": 1,\n  "b": }\n', "g.json")).toEqual(["config: g.json: line 3: cannot parse: Unexpected token '}'"]);
  });
});
