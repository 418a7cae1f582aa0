/**
 * Routing (pure): which pool serves a task.
 *
 * Workers announce their tasks in `hello`. A task goes to the first pool, in config order,
 * that announced it. Announcements are kept in the journal, so a restarted engine routes at
 * once; a pool that has never announced (its first workers are still starting) makes an
 * unknown task "not known yet" rather than "unknown", so early submissions get a 503 to retry
 * instead of a 400 that claims too much.
 */
export type Route =
  | { kind: "pool"; pool: string }
  | { kind: "unknown"; message: string }
  | { kind: "not_ready"; message: string };

export function routeTask(task: string, poolOrder: string[], announced: Map<string, ReadonlySet<string>>): Route {
  for (const pool of poolOrder) {
    if (announced.get(pool)?.has(task)) return { kind: "pool", pool };
  }
  const silent = poolOrder.filter((pool) => !announced.has(pool));
  if (silent.length > 0) {
    return { kind: "not_ready", message: `no pool serves task '${task}' yet; pool(s) ${silent.join(", ")} have not started` };
  }
  return { kind: "unknown", message: `no pool serves task '${task}'` };
}
