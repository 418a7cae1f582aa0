/**
 * GET /openapi.json: the control API described (OpenAPI 3.1), generated from the operation
 * tables of ./openapi/ and the zod schemas of ./shapes/ that the routes validate with; on the
 * first request, not at start (about 30 ms that an IO engine's restart need not wait for).
 */
import { buildDocument } from "./openapi/document.ts";
import { jobOperations } from "./openapi/jobs.ts";
import { arrayOperations, scheduleOperations } from "./openapi/data.ts";
import { pipelineOperations, sessionOperations } from "./openapi/sessions.ts";
import { systemOperations } from "./openapi/system.ts";
import { uiOperations } from "./openapi/ui.ts";

/** Every operation the app serves, in the document's order. */
export const operations = [...systemOperations, ...jobOperations, ...arrayOperations, ...scheduleOperations, ...pipelineOperations, ...sessionOperations, ...uiOperations];

let built: ReturnType<typeof buildDocument> | null = null;

export function openapiDocument(): ReturnType<typeof buildDocument> {
  return (built ??= buildDocument(operations));
}
