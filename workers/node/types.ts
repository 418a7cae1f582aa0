/**
 * Writing a pipeline node in TypeScript (SPEC §12). A module exports `nodes`, an object from
 * node type to a class. The class declares its ports as static lists (a connection to a port
 * it does not declare is refused before any process starts), and has three parts:
 *
 * - `constructor(config, ctx)` runs before the node reports ready: load the model there;
 *   the session is `ready` once every node's constructor has returned;
 * - `process(port, value, ctx)` is called once per input frame, in the order the frames
 *   arrived, one at a time: when it returns a promise, the next frame waits for it, and for
 *   every `ctx.emit` made while it ran;
 * - `close(ctx)` (optional) runs when the session is terminated, after the last frame;
 *   what it emits still goes out.
 *
 * ```ts
 * import type { NodeContext } from "gaia/workers/node/types.ts";
 *
 * export const nodes = {
 *   "audio.gain": class Gain {
 *     static inputs = ["audio"];
 *     static outputs = ["audio"];
 *     private readonly gain: number;
 *     constructor(config: { gain?: number }, _ctx: NodeContext) {
 *       this.gain = config.gain ?? 2;
 *     }
 *     async process(_port: string, frame: Float32Array, ctx: NodeContext) {
 *       await ctx.emit("audio", frame.map((x) => x * this.gain)); // waits while "audio" is full
 *     }
 *   },
 * };
 * ```
 *
 * Values are anything CBOR carries. Float32Array and the other TypedArrays are 1-D arrays
 * (numpy on the Python side); `NDArray` (src/channels/values.ts) carries a dtype and shape;
 * a Uint8Array is bytes. Arrays and bytes of 64 KiB or more travel through shared memory:
 * a received one is a view of the producer's memory, valid until `process` has finished
 * with its frame (copy what you keep, write to none).
 */

export type NodeContext = {
  session_id: string;
  /** This node's id in the pipeline ("asr"). */
  node_id: string;
  /**
   * Sends `value` on output `port`, to every input it is connected to. The value is encoded
   * at the call (large arrays copied into shared memory then), so the caller may reuse its
   * buffers at once; the promise resolves once every channel has taken the frame, and waits
   * while one is full (backpressure). Emits before the session is ready wait for it.
   */
  emit(port: string, value: unknown): Promise<void>;
};

export type NodeInstance = {
  process(port: string, value: any, ctx: NodeContext): unknown;
  close?(ctx: NodeContext): unknown;
};

export type NodeClass = {
  new (config: any, ctx: NodeContext): NodeInstance;
  inputs?: readonly string[];
  outputs?: readonly string[];
};

export type NodeTable = Record<string, NodeClass>;
