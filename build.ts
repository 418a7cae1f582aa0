/**
 * Compiles gaia into one executable, ./gaia (`bun build --compile`). Every role (supervisor,
 * IO engine, Bun worker, CLI) is in it; the binary re-executes itself with a role argument.
 */
import { buildPage } from "./src/ui/build-page.ts";

const started = performance.now();
// The dashboard's script and styles first: the binary embeds them (src/ui/assets.ts).
const page = await buildPage();
const result = Bun.spawnSync(
  [process.execPath, "build", "--compile", "--minify-syntax", "--sourcemap", "src/main.ts", "--outfile", "gaia"],
  { cwd: import.meta.dir, stdout: "pipe", stderr: "pipe" },
);
if (!result.success) {
  process.stderr.write(result.stdout);
  process.stderr.write(result.stderr);
  console.error("build: bun build --compile failed");
  process.exit(1);
}
console.log(`build: ./gaia compiled in ${Math.round(performance.now() - started)} ms (dashboard page ${page.pageBytes} B, ${page.gzipBytes} B gzipped)`);
