/**
 * A result is kept as JSON (journal, API). A value JSON cannot write (an integer beyond 64
 * bits arrives as a BigInt) fails the job here, instead of failing the journal's write; so
 * does one JSON would silently turn into {} (a Map, a Set, bytes), as on the Python side.
 */
import type { Result } from "../../protocol/worker-messages.ts";

export function storable(result: Result): Result {
  if (!result.ok) return result;
  try {
    JSON.stringify(result.value ?? null, refuseLossy);
    return result;
  } catch (err) {
    const { value: _dropped, ...rest } = result;
    return { ...rest, ok: false, error: { type: "ResultError", message: `the task's return value cannot be stored as JSON (${(err as Error).message}); integers must stay within ±2^53` } };
  }
}

function refuseLossy(_key: string, value: unknown): unknown {
  if (value instanceof Map || value instanceof Set || ArrayBuffer.isView(value)) {
    throw new TypeError(`a ${value.constructor.name} would be stored as {}; return plain objects, arrays and numbers`);
  }
  return value;
}
