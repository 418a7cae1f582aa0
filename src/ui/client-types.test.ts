/**
 * The page's code is typed against the DOM, which the rest of gaia (typed against Bun) must
 * not see, so the root tsconfig leaves src/ui/client out and its own tsconfig checks it.
 * `npm run typecheck` runs both; this test keeps the page's half in `npm test` too.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";

test("the dashboard's browser code type-checks against the DOM", () => {
  const root = join(import.meta.dir, "../..");
  const tsc = Bun.spawnSync([process.execPath, join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", join(import.meta.dir, "client")], { cwd: root, stdout: "pipe", stderr: "pipe" });
  expect(tsc.stdout.toString() + tsc.stderr.toString()).toBe("");
  expect(tsc.exitCode).toBe(0);
}, 120_000);
