/**
 * The array routes (SPEC §6). Uploads stream the request body straight into the array's
 * file (the store makes the file and keeps the books),
 * so they are bounded by arrays.max_bytes rather than control.max_body_mb. Downloads send
 * the file as it is, after a `.npy` header when asked for one. The API runs in the IO engine,
 * beside the store: the bytes go between the socket and the file, never through a frame.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { Hono } from "hono";
import { byteLength, checkArraySpec, parseShapeParam, type Dtype } from "../arrays/dtypes.ts";
import { npyHeader, parseNpyHeader } from "../arrays/npy.ts";
import type { ArrayOps } from "../io/array-ops.ts";
import { jsonBody, queryOf } from "./body.ts";
import { ApiError } from "./errors.ts";
import { AllocateBody, RawArrayQuery } from "./shapes/arrays.ts";

const NPY = "application/x-npy";

export function registerArrayRoutes(app: Hono, arrays: ArrayOps): void {
  app.get("/v1/arrays", (c) => c.json(arrays.list()));

  app.post("/v1/arrays", async (c) => {
    const kind = uploadKind(c.req.header("content-type"), c.req.query());
    const type = kind === "npy" ? NPY : "";
    if (kind === "allocate") {
      const body = await jsonBody(c, AllocateBody);
      const spec = checked(body.dtype, body.shape);
      return c.json(arrays.create(spec.dtype, spec.shape, true), 201);
    }
    // No body at all is a zero-byte array's raw upload (any other size is then a 400 below).
    const chunks = (c.req.raw.body ?? emptyStream())[Symbol.asyncIterator]();
    let spec: { dtype: Dtype; shape: number[] };
    let first: Uint8Array;
    if (type === NPY) ({ spec, rest: first } = await readNpyHeader(chunks));
    else {
      const query = queryOf(c, RawArrayQuery);
      const shape = parseShapeParam(query.shape ?? "");
      if (query.dtype === undefined || query.shape === undefined || shape === null) {
        throw new ApiError(400, "invalid_request", "a raw upload needs ?dtype=NAME&shape=D1,D2,... (or send Content-Type: application/x-npy)");
      }
      spec = checked(query.dtype, shape);
      first = new Uint8Array(0);
    }
    const expected = byteLength(spec.dtype, spec.shape);
    const declared = c.req.header("content-length");
    if (type !== NPY && declared !== undefined && Number(declared) !== expected) {
      throw new ApiError(400, "size_mismatch", `the body has ${declared} bytes; ${spec.dtype} ${JSON.stringify(spec.shape)} needs ${expected}`);
    }
    const created = arrays.create(spec.dtype, spec.shape, false);
    try {
      await writeBody(created.path, expected, first, chunks);
    } catch (err) {
      arrays.store.delete(created.name);
      if ((err as { code?: string }).code === "ENOSPC") throw new ApiError(507, "arrays_full", `${created.path}'s filesystem is full (${expected} bytes were needed); free space in arrays.dir or lower arrays.max_bytes`);
      throw err;
    }
    return c.json(arrays.commit(created.name), 201);
  });

  app.get("/v1/arrays/:name", async (c) => {
    const info = arrays.get(c.req.param("name"));
    const file = Bun.file(info.path);
    const headers: Record<string, string> = { "x-gaia-dtype": info.dtype, "x-gaia-shape": info.shape.join(","), "x-gaia-name": info.name };
    if ((c.req.header("accept") ?? "").includes(NPY)) {
      const header = npyHeader(info.dtype, info.shape);
      // A Blob of [bytes, BunFile] comes out empty in Bun 1.4; a stream of both does not.
      const stream = info.byte_length === 0 ? header : concatStreams(header, file.stream());
      return new Response(stream, { headers: { ...headers, "content-type": NPY, "content-length": String(header.length + info.byte_length) } });
    }
    return new Response(info.byte_length === 0 ? new Uint8Array(0) : file, { headers: { ...headers, "content-type": "application/octet-stream", "content-length": String(info.byte_length) } });
  });

  app.delete("/v1/arrays/:name", (c) => c.json(arrays.delete(c.req.param("name"))));
}

/**
 * What a POST /v1/arrays carries: a `.npy` file (by its Content-Type), raw bytes (by the
 * ?dtype=&shape= query), or else a JSON `{dtype, shape}` asking for a local allocation
 * (whatever the Content-Type: `curl -d` sends a form type).
 */
export function uploadKind(contentType: string | undefined, query: Record<string, string>): "npy" | "raw" | "allocate" {
  if ((contentType ?? "").split(";")[0]!.trim().toLowerCase() === NPY) return "npy";
  if (query.dtype !== undefined || query.shape !== undefined) return "raw";
  return "allocate";
}

function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.close() });
}

function concatStreams(head: Uint8Array, rest: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = rest.getReader();
  return new ReadableStream({
    start(controller) {
      controller.enqueue(head);
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

function checked(dtype: unknown, shape: unknown): { dtype: Dtype; shape: number[] } {
  const spec = checkArraySpec(dtype, shape);
  if (!spec.ok) throw new ApiError(400, "invalid_request", spec.message);
  return { dtype: spec.dtype, shape: spec.shape };
}

/** Reads chunks until the `.npy` header is whole; returns it and the bytes after it. */
async function readNpyHeader(chunks: AsyncIterator<Uint8Array>): Promise<{ spec: { dtype: Dtype; shape: number[] }; rest: Uint8Array }> {
  let buffered = new Uint8Array(0);
  for (;;) {
    const parsed = parseNpyHeader(buffered);
    if (parsed.kind === "ok") return { spec: parsed.header, rest: buffered.subarray(parsed.header.dataOffset) };
    if (parsed.kind === "error") throw new ApiError(400, "invalid_npy", parsed.message);
    const next = await chunks.next();
    if (next.done) throw new ApiError(400, "invalid_npy", `the body ended inside the .npy header (${buffered.length} bytes)`);
    const joined = new Uint8Array(buffered.length + next.value.length);
    joined.set(buffered);
    joined.set(next.value, buffered.length);
    buffered = joined;
  }
}

/** Writes the body into the array's file; exactly `expected` bytes, or a 400. */
async function writeBody(path: string, expected: number, first: Uint8Array, chunks: AsyncIterator<Uint8Array>): Promise<void> {
  const fd = openSync(path, "r+");
  let written = 0;
  const put = (bytes: Uint8Array) => {
    if (written + bytes.length > expected) throw new ApiError(400, "size_mismatch", `the body has more than the ${expected} bytes its dtype and shape need`);
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off, written + off);
    written += bytes.length;
  };
  try {
    put(first);
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) put(next.value);
  } finally {
    closeSync(fd);
  }
  if (written !== expected) throw new ApiError(400, "size_mismatch", `the body has ${written} bytes; the dtype and shape need ${expected}`);
}
