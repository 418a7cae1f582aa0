/**
 * The task-author types, for the worker's own code. Their one definition is the public,
 * self-contained src/client/task-types.ts, which task modules outside the repository import.
 */
export type { AnyTypedArray, Dtype, GpuInfo, Task, TaskContext, TaskTable } from "../src/client/task-types.ts";
export type { Task as TaskHandler } from "../src/client/task-types.ts";
