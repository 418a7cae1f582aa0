/**
 * The pipeline messages' shared vectors (bytes made by Python's cbor2): each decodes to its
 * JSON meaning, re-encodes byte for byte, and passes its schema; array frames made by this
 * side's value codec are the same bytes, and decode to arrays with their dtype and shape. The
 * Python suite (python/tests/test_node_vectors.py) checks the same files.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as cborDecode from "cbor-x/decode";
import type { Tag as TagClass } from "cbor-x";
import { decodeCbor, encodeCbor } from "../src/protocol/cbor.ts";
import { isCredit, isFrame, parsePipelineMessage, PIPELINE_TAGS } from "../src/protocol/pipeline-messages.ts";
import { ARRAY_TAG, decodeValue, encodeValue, NDArray } from "../src/channels/values.ts";
import { SlotMaps } from "../src/channels/slots.ts";
import { chanFrameBytes, decodeBody } from "../src/channels/frame-codec.ts";

const Tag = (cborDecode as unknown as { Tag: typeof TagClass }).Tag;
const dir = join(import.meta.dir, "vectors/pipelines");
const names = readdirSync(dir).filter((f) => f.endsWith(".cbor")).map((f) => f.slice(0, -5));
const bytes = (name: string) => new Uint8Array(readFileSync(join(dir, `${name}.cbor`)));
const meaningOf = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Decoded CBOR as the JSON writes it: tags and byte strings spelled out. */
function toMeaning(v: unknown): unknown {
  if (v instanceof Tag) return { $tag: v.tag, value: toMeaning(v.value) };
  if (v instanceof Uint8Array) return { $bytes: hex(v) };
  if (Array.isArray(v)) return v.map(toMeaning);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toMeaning(x)]));
  return v;
}

function fromMeaning(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromMeaning);
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  if ("$tag" in o) return new Tag(fromMeaning(o.value), o.$tag as number);
  if ("$bytes" in o) return new Uint8Array(Buffer.from(o.$bytes as string, "hex"));
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromMeaning(x)]));
}

describe("pipeline protocol vectors", () => {
  test("there are vectors for every pipeline message tag", () => {
    const tags = new Set(names.map((n) => meaningOf(n).t));
    expect([...tags].sort()).toEqual([...PIPELINE_TAGS].sort());
  });

  for (const name of names) {
    test(`${name}: decodes to its JSON, re-encodes byte for byte, fits its schema`, () => {
      const decoded = decodeCbor(bytes(name));
      expect(toMeaning(decoded)).toEqual(meaningOf(name));
      expect(hex(encodeCbor(fromMeaning(meaningOf(name))))).toBe(hex(bytes(name)));
      expect(parsePipelineMessage(decoded).ok).toBe(true);
      expect(isFrame(decoded)).toBe(meaningOf(name).t === "chan.frame");
      expect(isCredit(decoded)).toBe(meaningOf(name).t === "chan.credit");
      expect(toMeaning(decodeBody(bytes(name)))).toEqual(meaningOf(name)); // the channels' decoder, fast path or not
      if (meaningOf(name).t === "chan.frame") {
        // The hot path writes a fixed prefix and the value: the same bytes as the whole map.
        expect(hex(chanFrameBytes(fromMeaning(meaningOf(name).value)).subarray(4))).toBe(hex(bytes(name)));
      }
    });
  }
});

test("the schemas refuse what the Python mirror refuses (python/tests/test_node_vectors.py)", () => {
  for (const m of [
    { t: "chan.open", v: 1, secret: "s", session: "x" },
    { t: "chan.credit", n: true },
    { t: "chan.credit", n: 0 },
    { t: "node.init", config: null, capacity: 1, listen: 3, inputs: [], outputs: [], arrays: {} },
    { t: "nope" },
  ]) expect([m, parsePipelineMessage(m).ok]).toEqual([m, false]);
});

describe("the value codec against the vectors", () => {
  test("an inline array: the same bytes from an NDArray, and back to one", () => {
    const nd = new NDArray("float32", [2, 2], new Float32Array([1.5, -2, 0.25, 3]));
    expect(hex(encodeCbor({ t: "chan.frame", value: { x: encodeValue(nd, null) } }))).toBe(hex(bytes("chan-frame-array")));
    const back = decodeValue((decodeCbor(bytes("chan-frame-array")) as { value: unknown }).value, null) as { x: NDArray };
    expect([back.x.dtype, back.x.shape, [...back.x.data]]).toEqual(["float32", [2, 2], [1.5, -2, 0.25, 3]]);
  });

  test("shared-memory descriptors: the same bytes as placed by a producer", () => {
    const big = new Float32Array(4_194_304);
    const encoded = encodeValue(big, (b) => ({ file: "gaia-12p34-pabcn0o0s3", offset: 0, length: b.length }));
    expect(hex(encodeCbor({ t: "chan.frame", value: encoded }))).toBe(hex(bytes("chan-frame-shared")));
    const value = [new Uint8Array([1, 2]), new Uint8Array(65_536)];
    const placed = encodeValue(value, (b) => ({ file: "gaia-12p34-pabci0s0", offset: 0, length: b.length }));
    expect(hex(encodeCbor({ t: "chan.frame", value: placed }))).toBe(hex(bytes("chan-frame-bytes")));
    expect((decodeCbor(bytes("chan-frame-shared")) as { value: TagClass }).value.tag).toBe(ARRAY_TAG);
  });

  test("a descriptor of another session's file is refused by the consumer", () => {
    const maps = new SlotMaps("/dev/shm", "gaia-1p2-pffff", 4);
    expect(() => decodeValue((decodeCbor(bytes("chan-frame-shared")) as { value: unknown }).value, maps)).toThrow("not one of this session's");
  });
});
