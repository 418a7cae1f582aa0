/**
 * Loading the pool's task modules at run time: the compiled binary can `import()` a .ts or
 * .js file from disk. Each module must export `tasks`, an object of functions.
 */
import { resolve } from "node:path";
import { builtinTasks } from "./builtin.ts";
import type { TaskTable } from "./types.ts";

export class ModuleError extends Error {
  override name = "ModuleError";
}

export async function loadTasks(modules: string[]): Promise<TaskTable> {
  const table: TaskTable = { ...builtinTasks };
  for (const spec of modules) {
    const path = resolve(spec);
    let exported: Record<string, unknown>;
    try {
      exported = await import(path);
    } catch (err) {
      throw new ModuleError(`cannot load task module ${path}: ${(err as Error)?.stack ?? err}`);
    }
    const tasks = exported.tasks;
    if (tasks === null || typeof tasks !== "object") {
      throw new ModuleError(`task module ${path} does not export \`tasks\` (an object from task name to handler)`);
    }
    for (const [name, handler] of Object.entries(tasks)) {
      if (typeof handler !== "function") throw new ModuleError(`task '${name}' in ${path} is a ${typeof handler}, not a function`);
      table[name] = handler as TaskTable[string];
    }
  }
  return table;
}
