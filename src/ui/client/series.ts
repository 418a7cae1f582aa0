/**
 * The figures behind the page's two charts, kept in the page over the last WINDOW_MS:
 *
 * - jobs per second: every `job.finished` event the stream brings is counted into a bucket
 *   of BUCKET_MS by its state (succeeded, or any other end), so the rate is exact and costs
 *   no request;
 * - queue depth: the `queued` of each pool (and the jobs running) from each status read,
 *   which the page makes only after events (refresher.ts), so the line is a step that holds
 *   its last value while nothing happens.
 *
 * Pure: tested in src/ui/client-logic.test.ts.
 */

export const WINDOW_MS = 10 * 60_000;
export const BUCKET_MS = 5_000;

export type Point = { t: number; v: number };
export type Line = { name: string; points: Point[] };

export class Throughput {
  /** Bucket start → [succeeded, other ends]. */
  private readonly buckets = new Map<number, [number, number]>();

  count(at: number, state: string): void {
    const start = at - (at % BUCKET_MS);
    const b = this.buckets.get(start) ?? [0, 0];
    b[state === "succeeded" ? 0 : 1]++;
    this.buckets.set(start, b);
    if (this.buckets.size > (WINDOW_MS / BUCKET_MS) * 2) this.prune(at);
  }

  private prune(now: number): void {
    for (const start of this.buckets.keys()) if (start < now - WINDOW_MS - BUCKET_MS) this.buckets.delete(start);
  }

  /** Jobs per second in each whole bucket of the window, the one still filling left out. */
  lines(now: number): Line[] {
    this.prune(now);
    const succeeded: Point[] = [];
    const other: Point[] = [];
    const last = now - (now % BUCKET_MS) - BUCKET_MS;
    for (let start = last - WINDOW_MS + BUCKET_MS; start <= last; start += BUCKET_MS) {
      const b = this.buckets.get(start) ?? [0, 0];
      const t = start + BUCKET_MS;
      succeeded.push({ t, v: b[0] / (BUCKET_MS / 1000) });
      other.push({ t, v: b[1] / (BUCKET_MS / 1000) });
    }
    return [{ name: "succeeded", points: succeeded }, { name: "failed, timed out, cancelled", points: other }];
  }
}

export type DepthSample = { t: number; queued: Record<string, number>; running: number };

export class Depths {
  private samples: DepthSample[] = [];

  add(sample: DepthSample): void {
    this.samples.push(sample);
    // Keep one sample from before the window: it is where the step line starts.
    const from = sample.t - WINDOW_MS;
    while (this.samples.length > 1 && this.samples[1]!.t <= from) this.samples.shift();
  }

  /** One step line per pool and one for the jobs running, each held until `now`. */
  lines(now: number): Line[] {
    if (this.samples.length === 0) return [];
    const from = now - WINDOW_MS;
    const names = new Set<string>();
    for (const s of this.samples) for (const pool of Object.keys(s.queued)) names.add(pool);
    const line = (name: string, value: (s: DepthSample) => number): Line => {
      const points: Point[] = [];
      for (const s of this.samples) {
        const v = value(s);
        if (points.length) points.push({ t: Math.max(s.t, from), v: points.at(-1)!.v }); // the step
        points.push({ t: Math.max(s.t, from), v });
      }
      points.push({ t: now, v: points.at(-1)!.v });
      return { name, points };
    };
    return [...[...names].map((pool) => line(`queued: ${pool}`, (s) => s.queued[pool] ?? 0)), line("running", (s) => s.running)];
  }
}
