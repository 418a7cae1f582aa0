/**
 * Plain standard CBOR (RFC 8949), byte-compatible with Python's cbor2.
 *
 * cbor-x's defaults do not meet cbor2 halfway, so every option below is a deliberate choice:
 * - `useRecords: false`     no cbor-x record extension (tag 105): other decoders cannot read it.
 * - `variableMapSize: true` shortest map headers, as cbor2 writes them (else always 16-bit).
 * - `tagUint8Array: false`  a Uint8Array is a plain byte string, not tag 64.
 * - `int64AsNumber: true`   64-bit integers decode as numbers, which JSON.stringify can write.
 * cbor-x also writes integers beyond 32 bits as float64, so cbor2 would read `5000000000` as
 * `5000000000.0`; `widenIntegers` hands such integers to cbor-x as BigInt, which it writes as
 * a CBOR integer (major type 0/1, 8 bytes), exactly what cbor2 writes.
 */
// The subpaths are cbor-x's pure-JS build: its main entry loads the optional native addon
// cbor-extract, which aborts Bun 1.4 on multi-byte strings and cannot ride in a compiled binary.
import { Decoder } from "cbor-x/decode";
import { Encoder } from "cbor-x/encode";

const options = {
  useRecords: false,
  variableMapSize: true,
  tagUint8Array: false,
  int64AsNumber: true,
  mapsAsObjects: true,
  // Never share structures or pack strings: both are cbor-x extensions.
  structuredClone: false,
  pack: false,
  // Byte strings are copied out of the frame: socket chunks may be reused after a read.
  copyBuffers: true,
} as const;

const encoder = new Encoder(options as ConstructorParameters<typeof Encoder>[0]);
const decoder = new Decoder(options as ConstructorParameters<typeof Decoder>[0]);

// cbor-x writes integers as CBOR integers in [-2^32, 2^32 - 1] (4-byte argument at most),
// and as float64 beyond that range; CBOR itself has integers to ±2^64.
const UINT32_MAX = 0xffffffff;
const NEG_UINT32_MIN = -0x100000000;

function needsWidening(n: number): boolean {
  return Number.isSafeInteger(n) && (n > UINT32_MAX || n < NEG_UINT32_MIN);
}

/** Returns `value` itself when nothing needs widening, else a copy with BigInt integers. */
export function widenIntegers(value: unknown): unknown {
  if (typeof value === "number") return needsWidening(value) ? BigInt(value) : value;
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const w = widenIntegers(value[i]);
      if (w !== value[i]) (copy ??= value.slice())[i] = w;
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key in value as Record<string, unknown>) {
    const v = (value as Record<string, unknown>)[key];
    const w = widenIntegers(v);
    if (w !== v) (copy ??= { ...(value as Record<string, unknown>) })[key] = w;
  }
  return copy ?? value;
}

export function encodeCbor(value: unknown): Uint8Array {
  return encoder.encode(widenIntegers(value));
}

/** Throws on bytes that are not exactly one well-formed CBOR data item. */
export function decodeCbor(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

/**
 * The same for the first `end` bytes of `bytes`: a buffer reused for many items keeps the
 * DataView cbor-x caches on it, instead of one made per item (src/channels/frame-codec.ts).
 */
export function decodeCborPrefix(bytes: Uint8Array, end: number): unknown {
  // cbor-x's decode(source, end): its typings leave out the second argument.
  return (decoder as unknown as { decode(source: Uint8Array, end: number): unknown }).decode(bytes, end);
}
