import { expect, test } from "bun:test";
import { GRACE_MS, HARD_BYTES, judgeLag, SOFT_BYTES } from "./sse-lag.ts";

test("a burst past the soft bound is kept while the client catches up within the grace", () => {
  let lag = { overSince: null as number | null };
  const first = judgeLag(SOFT_BYTES * 8, lag, 1000);
  expect(first).toEqual({ t: "keep", lag: { overSince: 1000 } });
  lag = (first as { lag: typeof lag }).lag;
  expect(judgeLag(SOFT_BYTES + 1, lag, 1000 + GRACE_MS - 1)).toEqual({ t: "keep", lag: { overSince: 1000 } });
  expect(judgeLag(SOFT_BYTES, lag, 1000 + GRACE_MS - 1)).toEqual({ t: "keep", lag: { overSince: null } }); // caught up: the clock restarts
});

test("a client over the soft bound for the whole grace is dropped; past the hard bound at once", () => {
  expect(judgeLag(SOFT_BYTES + 1, { overSince: 1000 }, 1000 + GRACE_MS)).toMatchObject({ t: "drop" });
  expect(judgeLag(HARD_BYTES + 1, { overSince: null }, 0)).toEqual({ t: "drop", why: "the client fell more than 64 MiB behind" });
  expect(judgeLag(HARD_BYTES, { overSince: null }, 0)).toMatchObject({ t: "keep" });
});
