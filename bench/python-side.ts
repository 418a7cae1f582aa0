/** The Python interpreter gaia's Python pools and the peers run on: .venv, with numpy. */
import { ensureVenv, VENV_PYTHON } from "../python/run-tests.ts";

export { VENV_PYTHON };

/** .venv with numpy (installed once, from PyPI, when missing). */
export function ensureNumpy(): void {
  ensureVenv();
  if (Bun.spawnSync([VENV_PYTHON, "-c", "import numpy"]).success) return;
  const pip = Bun.spawnSync([VENV_PYTHON, "-m", "pip", "install", "--quiet", "numpy"], { stdout: "inherit", stderr: "inherit" });
  if (!pip.success) throw new Error("bench: cannot install numpy into .venv");
}

/** A Python task module that imports numpy, as real workers do (their start-up is its import). */
export const NUMPY_TASKS = "import numpy\nfrom gaia_worker import task\n\n@task('np.sum')\ndef total(payload, ctx):\n    return float(numpy.arange(payload).sum())\n";
