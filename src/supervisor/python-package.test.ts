import { expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installPythonPackage } from "./python-package.ts";

test("the binary carries every module of python/gaia_worker (a new one cannot be forgotten)", () => {
  const dir = mkdtempSync(join(tmpdir(), "gaia-pkg-"));
  try {
    const root = installPythonPackage(dir);
    const source = readdirSync(join(import.meta.dir, "../../python/gaia_worker")).filter((f) => f.endsWith(".py")).sort();
    expect(readdirSync(join(root, "gaia_worker")).filter((f) => f.endsWith(".py")).sort()).toEqual(source);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
