/**
 * `gaia __tasks --modules JSON --out FILE`: the hidden role behind `gaia config check` for a
 * Bun pool. It imports the pool's modules as a worker would (workers/modules.ts) and writes
 * `{tasks, problems}` to FILE: every task name served, and one problem per module that did
 * not load, by its index in `modules`. The answer goes to a file, not stdout, because a task
 * module may print whatever it likes while it is imported. Then the process exits: it is
 * thrown away, so nothing a module started at import time outlives the check.
 */
import { writeFileSync } from "node:fs";
import { builtinTasks } from "./builtin.ts";
import { loadTasks } from "./modules.ts";

export type TaskListing = { tasks: string[]; problems: { module: number; message: string }[] };

export async function listTasks(argv: string[]): Promise<number> {
  const modules = JSON.parse(flag(argv, "--modules") ?? "[]") as string[];
  const out = flag(argv, "--out");
  if (out === undefined) throw new Error("__tasks needs --out FILE");
  const listing: TaskListing = { tasks: Object.keys(builtinTasks), problems: [] };
  // One module at a time, so a module that does not load is named and the others still count.
  for (const [index, module] of modules.entries()) {
    try {
      for (const name of Object.keys(await loadTasks([module]))) if (!listing.tasks.includes(name)) listing.tasks.push(name);
    } catch (err) {
      listing.problems.push({ module: index, message: firstLines((err as Error)?.message ?? String(err)) });
    }
  }
  writeFileSync(out, JSON.stringify(listing));
  return 0;
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : argv[i + 1];
}

/**
 * What went wrong, without what the reader already knows: the module's path (the problem
 * line names it), where in gaia the import was made, and the stack below the message.
 */
function firstLines(text: string): string {
  const lines = text.replace(/^cannot load task module \S+: /, "").replace(/ imported from \/\$bunfs\/\S+/, "").split("\n");
  return lines.map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("at ")).slice(0, 2).join(" ");
}
