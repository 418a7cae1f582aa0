/**
 * The document and the app cannot drift apart: every route the Hono app registers has an
 * operation, and every operation a route; and the document holds together (each $ref
 * resolves, each operation has an id, a tag and an answer schema for each JSON answer).
 */
import { expect, test } from "bun:test";
import { createApp, type ApiDeps } from "./app.ts";
import { openapiDocument, operations } from "./openapi.ts";
import { openApiPath } from "./openapi/document.ts";

// Registering routes only closes over the deps; none is called until a request comes.
const app = createApp({ token: "t", metricsPublic: false, maxBodyBytes: 1024, log() {} } as unknown as ApiDeps);
const routes = new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`));
const openapi = openapiDocument();
const described = new Set(operations.map((op) => `${op.method.toUpperCase()} ${op.path}`));

test("every route the app serves has an operation in /openapi.json", () => {
  expect(routes.size).toBeGreaterThan(40); // the app really was built with its routes
  expect([...routes].filter((r) => !described.has(r))).toEqual([]);
});

test("every operation in /openapi.json is a route the app serves", () => {
  expect([...described].filter((r) => !routes.has(r))).toEqual([]);
  expect(Object.keys(openapi.paths as object).sort()).toEqual([...new Set(operations.map((op) => openApiPath(op.path)))].sort());
});

test("each operation has a unique id, a tag, and a schema for each JSON answer and body", () => {
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(openapi.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, id: typeof op.operationId, tags: op.tags?.length }).toEqual({ where, id: "string", tags: 1 });
      expect(ids.has(op.operationId)).toBe(false);
      ids.add(op.operationId);
      for (const [status, answer] of Object.entries(op.responses as Record<string, any>)) {
        const json = answer.$ref ? { schema: { $ref: "shared" } } : answer.content?.["application/json"];
        if (json) expect({ where, status, schema: json.schema !== undefined }).toEqual({ where, status, schema: true });
      }
      for (const param of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        expect(op.parameters.some((p: any) => p.in === "path" && p.name === param)).toBe(true);
      }
    }
  }
});

test("every $ref in the document resolves", () => {
  const refs = JSON.stringify(openapi).match(/"\$ref":"[^"]+"/g) ?? [];
  for (const ref of new Set(refs)) {
    const pointer = JSON.parse(`{${ref}}`).$ref as string;
    const target = pointer.slice(2).split("/").reduce<any>((node, key) => node?.[key], openapi);
    expect({ pointer, found: target !== undefined }).toEqual({ pointer, found: true });
  }
});

test("errors are the shared Error shape", () => {
  const shared = (openapi.components as any).responses as Record<string, any>;
  for (const answer of Object.values(shared)) expect(answer.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
});
