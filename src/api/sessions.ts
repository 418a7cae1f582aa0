/**
 * Pipelines and sessions (SPEC §12):
 *
 *   GET    /v1/pipelines[/NAME]          the config's and the API's definitions
 *   PUT    /v1/pipelines/NAME            define (201) or replace (200); a config pipeline is 409
 *   DELETE /v1/pipelines/NAME
 *   POST   /v1/sessions                  {pipeline: NAME | {…inline definition…}, id?} → 201 {id, state}
 *   GET    /v1/sessions[/ID]             state, reason, and per node pid, state, frames, depths, rss
 *   DELETE /v1/sessions/ID               inputs close, nodes finish (5 s), then TERM/KILL
 *   POST   /v1/sessions/ID/input/PORT    one frame: a JSON value (arrays as {dtype, shape, base64}),
 *                                        or raw bytes with ?dtype=&shape= (octet-stream)
 *   GET    /v1/sessions/ID/output/PORT   Server-Sent Events, one per frame, its data the value as JSON
 *   GET    /v1/sessions/ID/stream        a WebSocket: binary CBOR {port, value} both ways
 *
 * Backpressure reaches a client: an input's answer waits while the channel is full (then
 * 429 `input_full` beyond what it holds), and a reader that does not keep up holds its
 * output's frames, which holds the node that makes them (never a drop).
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { upgradeWebSocket } from "../http/index.ts";
import { SessionError } from "../io/pipelines/session-ports.ts";
import type { PipelineHost } from "../io/pipelines/host.ts";
import { PipelineRefusal } from "../io/pipelines/runtime.ts";
import type { PipelineDefinition } from "../io/pipelines/schema.ts";
import { arrayFrom, fromJsonValue, toJsonValue } from "../io/pipelines/json-values.ts";
import { parseShapeParam } from "../arrays/dtypes.ts";
import type { Session } from "../io/pipelines/session.ts";
import { decodeCbor, encodeCbor } from "../protocol/cbor.ts";
import { decodeValue, encodeValue } from "../channels/values.ts";
import { jsonBody, queryOf } from "./body.ts";
import { ApiError, invalid } from "./errors.ts";
import { Frame, InputQuery, PipelineBody, SessionBody } from "./shapes/sessions.ts";

const encoder = new TextEncoder();

export function registerSessionRoutes(app: Hono, host: PipelineHost): void {
  app.get("/v1/pipelines", (c) => c.json({ pipelines: host.list() }));
  app.get("/v1/pipelines/:name", (c) => c.json(host.get(c.req.param("name"))));
  app.put("/v1/pipelines/:name", async function putPipeline(c) {
    const body = (await jsonBody(c, z.record(z.string(), z.unknown()))) as Record<string, unknown>;
    if (body.name !== undefined && body.name !== c.req.param("name")) throw new ApiError(400, "invalid_request", `name: the body says ${JSON.stringify(body.name)} but the URL says '${c.req.param("name")}'`);
    const parsed = PipelineBody.safeParse({ ...body, name: c.req.param("name") });
    if (!parsed.success) throw invalid(parsed.error, "body");
    const created = host.put(parsed.data as PipelineDefinition);
    return c.json(host.get(c.req.param("name")), created ? 201 : 200);
  });
  app.delete("/v1/pipelines/:name", (c) => c.json({ ...host.remove(c.req.param("name")), deleted: true }));

  app.post("/v1/sessions", async function createSession(c) {
    const body = await jsonBody(c, SessionBody);
    const session = await refusals(() => host.runtime.create(body.pipeline, body.id));
    return c.json({ id: session.id, state: session.state.kind }, 201);
  });
  app.get("/v1/sessions", (c) => c.json({ sessions: host.runtime.list() }));
  app.get("/v1/sessions/:id", (c) => c.json(session(host, c).view()));
  app.delete("/v1/sessions/:id", async (c) => c.json(await session(host, c).terminate()));
  app.post("/v1/sessions/:id/input/:port", async function input(c) {
    const s = session(host, c);
    const value = await inputValue(c);
    await refusals(() => s.input(c.req.param("port"), value));
    return c.json({ accepted: true });
  });
  app.get("/v1/sessions/:id/output/:port", (c) => outputStream(session(host, c), c.req.param("port"), c.req.raw.signal));
  app.get("/v1/sessions/:id/stream", (c) => stream(session(host, c), c.req.raw));
}

/** An input frame: a JSON value, or with Content-Type application/octet-stream one array's
 * bytes, its dtype and shape in the query (`?dtype=float32&shape=320`), as arrays upload. */
async function inputValue(c: Context): Promise<unknown> {
  try {
    if (!(c.req.header("content-type") ?? "").startsWith("application/octet-stream")) return fromJsonValue(await jsonBody(c, Frame));
    const query = queryOf(c, InputQuery);
    const dtype = query.dtype;
    const shape = dtype === "bytes" ? [] : parseShapeParam(query.shape ?? "");
    if (dtype === undefined || shape === null || (dtype !== "bytes" && query.shape === undefined)) {
      throw new TypeError("raw bytes need ?dtype=NAME&shape=D1,D2,... (or dtype=bytes), else send JSON");
    }
    return arrayFrom(new Uint8Array(await c.req.arrayBuffer()), dtype, shape);
  } catch (err) {
    if (err instanceof TypeError) throw new ApiError(400, "invalid_request", err.message);
    throw err;
  }
}

function session(host: PipelineHost, c: Context): Session {
  const found = host.runtime.get(c.req.param("id") ?? "");
  if (!found) throw new ApiError(404, "not_found", `no session '${c.req.param("id")}'; see GET /v1/sessions`);
  return found;
}

/** The session runtime's refusals in the API's shape. */
async function refusals<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof PipelineRefusal) throw new ApiError(err.status, err.code, err.message);
    if (err instanceof SessionError) throw new ApiError(err.code === "unknown_port" ? 404 : err.code === "input_full" ? 429 : 409, err.code, err.message, err.code === "input_full" ? 1 : undefined);
    throw err;
  }
}

/** One SSE event per frame; the frame is held (and so its node) until the event is written. */
function outputStream(s: Session, port: string, signal: AbortSignal): Response {
  let off = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      try {
        off = s.onOutput(port, async (value) => {
          controller.enqueue(encoder.encode(`event: frame\ndata: ${JSON.stringify(toJsonValue(value))}\n\n`));
          // Backpressure: wait while the client is behind (the queue past its high-water mark).
          while ((controller.desiredSize ?? 1) <= 0 && !signal.aborted) await Bun.sleep(5);
        });
      } catch (err) {
        if (err instanceof SessionError) throw new ApiError(404, err.code, err.message);
        throw err;
      }
      controller.enqueue(encoder.encode(`retry: 1000\n: subscribed to ${s.id} ${port}\n\n`));
      void s.ended.then(() => {
        try {
          controller.enqueue(encoder.encode(`event: end\ndata: ${JSON.stringify({ state: s.state.kind })}\n\n`));
          controller.close();
        } catch {
          // the client went first
        }
      });
      signal.addEventListener("abort", () => off());
    },
    cancel: () => off(),
  }, new ByteLengthQueuingStrategy({ highWaterMark: 1024 * 1024 }));
  return new Response(body, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
}

/** Binary CBOR {port, value} both ways: inputs in, every output out. */
function stream(s: Session, req: Request): Response {
  const offs: (() => void)[] = [];
  return upgradeWebSocket(req, {
    open(ws) {
      for (const port of Object.keys(s.view().outputs)) {
        offs.push(s.onOutput(port, (value) => {
          ws.send(encodeCbor({ port, value: encodeValue(value, null) }));
        }));
      }
    },
    async message(ws, data) {
      let frame: { port?: unknown; value?: unknown };
      try {
        if (typeof data === "string") throw new Error("send binary CBOR frames, not text");
        frame = decodeCbor(data) as { port?: unknown; value?: unknown };
        if (typeof frame?.port !== "string") throw new Error("a frame is a map {port, value}");
        await s.input(frame.port, decodeValue(frame.value, null));
      } catch (err) {
        // A malformed frame, or one the session refuses: said on the socket, which stays open.
        ws.send(encodeCbor({ error: { code: err instanceof SessionError ? err.code : "bad_frame", message: (err as Error).message } }));
      }
    },
    close() {
      for (const off of offs) off();
    },
  });
}
