/**
 * The shared vectors (bytes made by Python's cbor2) decode to their JSON meaning, re-encode
 * byte for byte, and pass the message schemas. The Python suite checks the same files.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeCbor, encodeCbor } from "../src/protocol/cbor.ts";
import { MESSAGE_TAGS, parseMessage } from "../src/protocol/messages.ts";

const dir = join(import.meta.dir, "vectors");
const names = readdirSync(dir).filter((f) => f.endsWith(".cbor")).map((f) => f.slice(0, -5));

describe("shared protocol vectors", () => {
  test("there are vectors for every message tag", () => {
    const tags = new Set(names.map((n) => (JSON.parse(readFileSync(join(dir, `${n}.json`), "utf8")) as { t: string }).t));
    expect(MESSAGE_TAGS.filter((tag) => !tags.has(tag))).toEqual([]);
  });

  for (const name of names) {
    test(`${name}: decodes to its JSON, re-encodes byte for byte, fits its schema`, () => {
      const bytes = new Uint8Array(readFileSync(join(dir, `${name}.cbor`)));
      const meaning = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"));
      expect(decodeCbor(bytes)).toEqual(meaning);
      expect(Buffer.from(encodeCbor(meaning)).toString("hex")).toBe(Buffer.from(bytes).toString("hex"));
      expect(parseMessage(meaning).ok).toBe(true);
    });
  }
});
