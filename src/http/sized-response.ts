/**
 * An opt-in fast path for answers whose bytes are known when they are made: a route that
 * answers `sizedResponse(JSON.stringify(job), { status: 200, headers })` instead of
 * `c.json(job)` gets a real web Response (middleware can read and replace it as any other),
 * and the server writes the remembered bytes with their head in one write, without reading
 * the Response's body stream.
 *
 * Why: the server cannot tell a Response made from a string from one made from a stream
 * without reading its body, and reading it costs a ReadableStream, a reader and two reads;
 * measured across processes on POST /v1/jobs?wait=5 (bench/http-micro.ts), that was ~4 µs of
 * a ~32 µs round trip (Bun 1.4.5).
 */
const known = new WeakMap<Response, string | Uint8Array>();

export function sizedResponse(body: string | Uint8Array, init?: ResponseInit): Response {
  const res = new Response(body, init);
  known.set(res, body);
  return res;
}

/** The bytes `sizedResponse` made `res` from, unless its body has been read since. */
export function knownBody(res: Response): string | Uint8Array | undefined {
  const body = known.get(res);
  return body === undefined || res.bodyUsed ? undefined : body;
}
