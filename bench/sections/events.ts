/**
 * Events: how long a job's end takes to reach an SSE client of `GET /v1/events`, and what a
 * subscriber costs dispatch throughput.
 *
 *   delay, idle     sequential `echo` jobs (POST ?wait=); for each, the time from the job's
 *                   `finished_at` (set by the IO engine) to its `job.finished` event arriving
 *                   here. finished_at has millisecond resolution, so a figure can read up to
 *                   1 ms high; both clocks are this host's.
 *   delay, loaded   the same for every job of a 100,000-job batch run (the stream carries
 *                   queued, started and finished events of all of them)
 *   throughput      the batch run without any subscriber, then with one
 *
 * No peer.
 */
import { startGaia, stopGaia, throughput, type Running } from "../gaia-side.ts";
import { latency } from "../interleave.ts";
import { RawHttpClient } from "../http-client.ts";
import { fmt, type Options, type Section } from "./types.ts";

type Delay = { p50: number; p99: number; n: number };

/** A minimal SSE reader that keeps the receipt time of every job.finished. */
class FinishedEvents {
  readonly delays: number[] = [];
  received = 0;
  private readonly abort = new AbortController();

  static async open(socket: string): Promise<FinishedEvents> {
    const reader = new FinishedEvents();
    const res = await fetch("http://gaia/v1/events", { unix: socket, signal: reader.abort.signal } as RequestInit);
    if (res.status !== 200) throw new Error(`GET /v1/events: ${res.status}`);
    void reader.read(res.body!);
    return reader;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of body) {
        const now = performance.timeOrigin + performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        const blocks = buffer.split("\n\n");
        buffer = blocks.pop()!;
        for (const block of blocks) {
          if (!block.includes("\nevent: job.finished\n")) continue;
          const data = JSON.parse(block.slice(block.indexOf("\ndata: ") + 7));
          this.received++;
          this.delays.push(now - Date.parse(data.data.finished_at));
        }
      }
    } catch {}
  }

  async waitFor(n: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received < n) {
      if (Date.now() > deadline) throw new Error(`only ${this.received} of ${n} job.finished events arrived`);
      await Bun.sleep(5);
    }
  }

  close(): void {
    this.abort.abort();
  }
}

function summary(delays: number[]): Delay {
  const { p50, p99, n } = latency(delays);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(p50!), p99: r(p99!), n: n! };
}

async function idleDelay(g: Running, n: number): Promise<Delay> {
  const events = await FinishedEvents.open(g.socket);
  const client = await RawHttpClient.connect(g.socket);
  for (let i = 0; i < n; i++) {
    const res = await client.request("POST", "/v1/jobs?wait=10", `{"task":"echo","payload":${i}}`);
    if (res.status !== 200) throw new Error(`job failed: ${res.status} ${res.body.slice(0, 200)}`);
    await events.waitFor(i + 1);
  }
  client.close();
  events.close();
  return summary(events.delays.slice(Math.min(50, n / 10))); // the first ones warm up the JIT
}

export async function eventFigures(options: { quick?: boolean } = {}) {
  const jobs = options.quick ? 10_000 : 100_000;
  const g = await startGaia(2);
  try {
    const without = await throughput(g, jobs);
    const idle = await idleDelay(g, options.quick ? 200 : 1000);
    const events = await FinishedEvents.open(g.socket);
    const withSubscriber = await throughput(g, jobs);
    await events.waitFor(jobs);
    events.close();
    return {
      delay_idle_ms: idle,
      delay_loaded_ms: summary(events.delays),
      throughput_without_subscriber: Math.round(without.per_s),
      throughput_with_subscriber: Math.round(withSubscriber.per_s),
    };
  } finally {
    await stopGaia(g);
  }
}

async function run(o: Options) {
  const e = await eventFigures({ quick: o.quick });
  return {
    rows: [
      ["job end → SSE event, idle p50 (ms)", fmt(e.delay_idle_ms.p50, 2), "-", `p99 ${fmt(e.delay_idle_ms.p99, 2)} ms · target p50 ≤ 5 ms`],
      ["job end → SSE event, loaded p50 (ms)", fmt(e.delay_loaded_ms.p50, 2), "-", `p99 ${fmt(e.delay_loaded_ms.p99, 2)} ms, ${fmt(e.delay_loaded_ms.n)} jobs`],
      ["throughput with an SSE client (jobs/s)", fmt(e.throughput_with_subscriber), "-", `${fmt(e.throughput_without_subscriber)} without, same gaia`],
    ] as [string, string, string, string][],
    figures: e,
  };
}

export const events: Section = { name: "events", title: "a job's end until its SSE event arrives; a subscriber's cost to throughput", run };
