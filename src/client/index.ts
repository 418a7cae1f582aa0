/**
 * The TypeScript client of gaia's control API, for Bun and Node (SPEC §14); the CLI is built
 * on it. Usage: docs/typescript-client.md. Nothing here uses Bun-only APIs.
 *
 * The task-author types (`TaskContext`, `Task`, `TaskTable`) are in ./task-types.ts, which a
 * task module imports alone; the test helper `runTask` is in workers/testing.ts (Bun).
 */
export { GaiaClient, GaiaJobError, isTerminal, type ClientOptions, type SubmitOptions } from "./client.ts";
export { GaiaApiError, GaiaUnreachableError } from "./errors.ts";
export { DEFAULT_SOCKET, resolveEndpoint, describeEndpoint, type Endpoint, type EndpointOptions } from "./endpoint.ts";
export { EventSubscription, type SubscribeOptions } from "./events.ts";
export type { ArraysApi, UploadOptions } from "./arrays.ts";
export type { SchedulesApi } from "./schedules.ts";
export type { SessionsApi, SessionView, SessionNode, PipelineView } from "./sessions.ts";
export type { RequestOptions, TlsOptions, Answer } from "./transport.ts";
export * from "./types.ts";
