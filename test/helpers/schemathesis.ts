/**
 * schemathesis (PyPI) in the repository's .venv: `npm test` makes the venv with the Python
 * package's `test` extra, which names it (python/pyproject.toml); a venv made before it was
 * named gets it here, at the version the extra asks for.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureVenv, VENV_PYTHON } from "../../python/run-tests.ts";

export const SCHEMATHESIS = join(VENV_PYTHON, "../schemathesis");

export function ensureSchemathesis(): void {
  ensureVenv();
  if (Bun.spawnSync([VENV_PYTHON, "-c", "import schemathesis"]).success) return;
  const pyproject = readFileSync(join(import.meta.dir, "../../python/pyproject.toml"), "utf8");
  const spec = /"(schemathesis[^"]*)"/.exec(pyproject)?.[1];
  if (!spec) throw new Error("python/pyproject.toml's test extra does not name schemathesis");
  const pip = Bun.spawnSync([VENV_PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", spec], { stdout: "inherit", stderr: "inherit" });
  if (!pip.success) throw new Error(`pip install ${spec} failed (exit ${pip.exitCode})`);
}
