/**
 * The README's arrays walk-through, as a user runs it: the example's data made by numpy, the
 * example config started, `gaia submit weather.score --array ... --wait`, and
 * `gaia job ID --save-arrays DIR`; the saved error field checked against numpy's own answer.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { BINARY, Gaia } from "./helpers/gaia.ts";

const examples = resolve(import.meta.dir, "../examples");
let gaia: Gaia;
let data: string;

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), "gaia-weather-"));
  const made = Bun.spawnSync([VENV_PYTHON, join(examples, "make_weather_data.py"), data, "90", "180"], { stderr: "pipe" });
  expect(made.exitCode).toBe(0);
  // The example's own pool definitions, with this suite's interpreter.
  gaia = await Gaia.start({
    files: { "weather.py": readFileSync(join(examples, "weather.py"), "utf8") },
    config: { pools: [{ name: "py", runtime: "python", python: VENV_PYTHON, size: 1, modules: ["./weather.py"] }] },
  });
});
afterAll(async () => {
  await gaia?.stop();
  rmSync(data, { recursive: true, force: true });
});

const gaiaCli = (...args: string[]) => Bun.spawnSync([BINARY, ...args, "--socket", gaia.socket], { stdout: "pipe", stderr: "pipe" });

test("submit with --array, then job --save-arrays: the error field is forecast - truth", () => {
  const submitted = gaiaCli("submit", "weather.score", "--array", `forecast=${join(data, "forecast.npy")}`, "--array", `truth=${join(data, "truth.npy")}`, "--wait", "--json");
  expect(submitted.exitCode).toBe(0);
  const job = JSON.parse(submitted.stdout.toString());
  // --wait says the job's id on stderr at once, and nothing else.
  expect(submitted.stderr.toString()).toBe(`${job.id}\n`);
  // (Bun 1.4's toMatchObject writes asymmetric matchers into the object it checks: types are checked apart.)
  expect(job.state).toBe("succeeded");
  expect(typeof job.result.bias).toBe("number");
  expect(job.result.rmse).toBeGreaterThan(0.5);
  expect(Object.keys(job.result_arrays)).toEqual(["error"]);

  const out = join(data, "saved");
  const saved = gaiaCli("job", job.id, "--save-arrays", out);
  expect(saved.exitCode).toBe(0);
  expect(saved.stdout.toString()).toContain(`saved error → ${join(out, "error.npy")}`);
  expect(existsSync(join(out, "error.npy"))).toBe(true);
  const check = Bun.spawnSync([VENV_PYTHON, "-c", `
import numpy as np
fc, truth, err = (np.load(r"${data}/" + n) for n in ("forecast.npy", "truth.npy", "saved/error.npy"))
assert err.dtype == np.float32 and err.shape == (90, 180), (err.dtype, err.shape)
assert np.array_equal(err, fc - truth)
print(round(float(np.sqrt(np.mean(np.square(err, dtype=np.float64)))), 6))`], { stdout: "pipe", stderr: "pipe" });
  expect(check.stderr.toString()).toBe("");
  expect(Number(check.stdout.toString())).toBeCloseTo(job.result.rmse, 5);
});

test("--save-arrays on a job without result arrays says so and exits 1", () => {
  const plain = JSON.parse(gaiaCli("submit", "echo", "--payload", "1", "--wait", "--json").stdout.toString());
  const saved = gaiaCli("job", plain.id, "--save-arrays", join(data, "none"));
  expect(saved.exitCode).toBe(1);
  expect(saved.stderr.toString()).toContain("has no result arrays");
});

test("the example's config file is valid", () => {
  copyFileSync(join(examples, "weather.toml"), join(data, "weather.toml"));
  const checked = Bun.spawnSync([BINARY, "config", "check", join(examples, "weather.toml")], { stdout: "pipe", stderr: "pipe" });
  expect(checked.stderr.toString()).toBe("");
  expect(checked.exitCode).toBe(0);
});
