/**
 * Rewrites the three completion scripts from the built binary: `bun completions/update.ts`
 * after `bun build.ts`. test/completion.test.ts fails while they differ from what
 * `gaia completion SHELL` prints, so a new command or flag reaches them.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const FILES = { bash: "gaia.bash", zsh: "_gaia", fish: "gaia.fish" } as const;

if (import.meta.main) {
  for (const [shell, file] of Object.entries(FILES)) {
    const made = Bun.spawnSync([join(import.meta.dir, "../gaia"), "completion", shell], { stdout: "pipe", stderr: "inherit" });
    if (made.exitCode !== 0) throw new Error(`gaia completion ${shell} exited ${made.exitCode}; build ./gaia first (bun build.ts)`);
    writeFileSync(join(import.meta.dir, file), made.stdout);
    console.log(`completions/${file}`);
  }
}
