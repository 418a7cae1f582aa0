/**
 * Limits on job payloads that JSON allows but gaia cannot carry faithfully.
 *
 * - Nesting deeper than MAX_DEPTH: the CBOR codecs on both sides of every socket (cbor-x,
 *   cbor2) recurse, so a payload 100,000 levels deep would overflow a stack somewhere.
 * - A key named `__proto__`: cbor-x renames it to `__proto_` when decoding, to guard against
 *   prototype pollution, so it would reach the task changed. Refusing it is better than that.
 * The walk is iterative, so checking a hostile payload cannot overflow the stack either.
 */
export const MAX_DEPTH = 256;

/** Null when the payload is fine, else what is wrong with it. */
export function payloadProblem(value: unknown): string | null {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
    if (Array.isArray(node)) {
      for (const item of node) stack.push([item, depth + 1]);
      continue;
    }
    for (const key of Object.keys(node)) {
      if (key === "__proto__") return "has a key named '__proto__', which gaia cannot carry unchanged";
      stack.push([(node as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return null;
}
