import { expect, test } from "bun:test";
import { histogramSamples, render } from "./prometheus.ts";

test("families render with HELP, TYPE and escaped label values", () => {
  const text = render([{ name: "gaia_jobs_total", help: "Jobs.", type: "counter", samples: [{ labels: { task: 'a"b\\c\nd' }, value: 2 }] }]);
  expect(text).toBe('# HELP gaia_jobs_total Jobs.\n# TYPE gaia_jobs_total counter\ngaia_jobs_total{task="a\\"b\\\\c\\nd"} 2\n');
});

test("histogram buckets are cumulative and end with +Inf, _sum and _count", () => {
  const samples = histogramSamples({ task: "t" }, [0.1, 1], [2, 1, 1], 3.5, 4);
  expect(samples.map((s) => [s.suffix, s.labels?.le ?? null, s.value])).toEqual([
    ["_bucket", "0.1", 2], ["_bucket", "1", 3], ["_bucket", "+Inf", 4], ["_sum", null, 3.5], ["_count", null, 4],
  ]);
});
