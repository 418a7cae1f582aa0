/**
 * The Python side of `npm test`: makes .venv at the repository root (with the package's test extra: cbor2,
 * pytest) when it is missing, then runs pytest on python/tests. `ensureVenv` is also used by
 * test/run.ts before the integration tests, whose Python pools run on this interpreter.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

const here = import.meta.dir;
// At the repository root, not under python/: the venv holds thousands of third-party files
// that have no business beside the package's own.
const venv = join(here, "../.venv");
export const VENV_PYTHON = join(venv, "bin/python");

export function ensureVenv(): void {
  if (existsSync(VENV_PYTHON) && Bun.spawnSync([VENV_PYTHON, "-c", "import cbor2, pytest"]).success) return;
  const steps = [
    ["python3", "-m", "venv", venv],
    [VENV_PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", `${here}[test]`],
  ];
  for (const cmd of steps) {
    const run = Bun.spawnSync(cmd, { stdout: "inherit", stderr: "inherit" });
    if (!run.success) throw new Error(`python tests: '${cmd.join(" ")}' failed (exit ${run.exitCode})`);
  }
}

if (import.meta.main) {
  ensureVenv();
  const pytest = Bun.spawnSync([VENV_PYTHON, "-m", "pytest", "-q", join(here, "tests")], { cwd: here, stdout: "inherit", stderr: "inherit" });
  process.exit(pytest.exitCode ?? 1);
}
