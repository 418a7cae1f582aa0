/**
 * `client.arrays`: the array routes (SPEC §6).
 *
 * - `allocate(dtype, shape)`: local zero-copy. gaia makes the file and answers its `path`;
 *   write the bytes there (same host only), then name the array in a job's `arrays`.
 * - `upload(data, {dtype?, shape?})`: the bytes go through the socket (any host). A
 *   TypedArray's dtype is taken from its class when not given (a Uint8Array is `uint8`);
 *   the shape defaults to one dimension.
 * - `uploadNpy(body)`: a `.npy` file's bytes or stream; the file says dtype and shape.
 * - `download(name)`: the bytes and what they are; `openDownload(name, {npy})` streams them.
 */
import type { Readable } from "node:stream";
import { header, segment, withQuery, type Body, type Opened, type Transport } from "./transport.ts";
import type { AllocatedArray, ArrayInfo, ArrayList, DownloadedArray, Dtype } from "./types.ts";

const NPY = "application/x-npy";

type Typed =
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array | Float32Array | Float64Array;

/** The dtype a TypedArray's class stands for (Float16Array, where there is one, too). */
function dtypeOf(data: ArrayBufferView): Dtype | undefined {
  const name = data.constructor.name;
  const table: Record<string, Dtype> = {
    Int8Array: "int8", Uint8Array: "uint8", Uint8ClampedArray: "uint8", Int16Array: "int16", Uint16Array: "uint16",
    Int32Array: "int32", Uint32Array: "uint32", BigInt64Array: "int64", BigUint64Array: "uint64",
    Float16Array: "float16", Float32Array: "float32", Float64Array: "float64",
  };
  return table[name];
}

export type UploadOptions = { dtype?: Dtype; shape?: number[] };

export class ArraysApi {
  constructor(private readonly transport: Transport) {}

  /** `POST /v1/arrays {dtype, shape}` → the new array and its file's path (201). */
  allocate(dtype: Dtype, shape: number[]): Promise<AllocatedArray> {
    return this.transport.call("POST", "/v1/arrays", { json: { dtype, shape } });
  }

  /** Raw bytes (a TypedArray, a Uint8Array or a stream) with `?dtype=&shape=` → the array (201). */
  upload(data: ArrayBufferView | Readable, options: UploadOptions = {}): Promise<ArrayInfo> {
    const view = ArrayBuffer.isView(data) ? data : null;
    const dtype = options.dtype ?? (view ? dtypeOf(view) : undefined);
    if (dtype === undefined) throw new TypeError("arrays.upload: say the dtype ({dtype: \"float32\"}) for a stream or a view of no known element type");
    let shape = options.shape;
    if (shape === undefined) {
      if (!view) throw new TypeError("arrays.upload: say the shape ({shape: [rows, cols]}) for a stream");
      shape = ["length" in view ? Number((view as Typed).length) : view.byteLength];
    }
    const body: Body = view ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : (data as Readable);
    const path = withQuery("/v1/arrays", { dtype, shape: shape.join(",") });
    return this.transport.call("POST", path, { body, headers: { "content-type": "application/octet-stream" } });
  }

  /** A `.npy` file's bytes or stream → the array (201). */
  uploadNpy(body: Uint8Array | Readable, contentLength?: number): Promise<ArrayInfo> {
    const headers: Record<string, string> = { "content-type": NPY };
    if (contentLength !== undefined) headers["content-length"] = String(contentLength);
    return this.transport.call("POST", "/v1/arrays", { body, headers });
  }

  /** The array's bytes, read whole, with its dtype and shape. */
  async download(name: string): Promise<DownloadedArray> {
    const opened = await this.openDownload(name);
    const chunks: Buffer[] = [];
    for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
    const data = new Uint8Array(Buffer.concat(chunks));
    const shape = (header(opened.headers, "x-gaia-shape") ?? "").split(",").filter((d) => d !== "").map(Number);
    return { name, dtype: header(opened.headers, "x-gaia-dtype") as Dtype, shape, byte_length: data.byteLength, data };
  }

  /** The array as a stream: raw bytes, or a `.npy` file with `{npy: true}`. */
  openDownload(name: string, options: { npy?: boolean } = {}): Promise<Opened> {
    return this.transport.open("GET", `/v1/arrays/${segment(name)}`, { headers: { accept: options.npy ? NPY : "application/octet-stream" } });
  }

  delete(name: string): Promise<ArrayInfo & { deleted: true }> {
    return this.transport.call("DELETE", `/v1/arrays/${segment(name)}`);
  }

  list(): Promise<ArrayList> {
    return this.transport.call("GET", "/v1/arrays");
  }
}
