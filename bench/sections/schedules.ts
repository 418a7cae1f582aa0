/**
 * Schedule firing lateness (issue 5): a cron schedule with seconds, `* * * * * *`, runs
 * `echo` once a second on a real gaia; a run's lateness is its job's created_at minus the
 * whole second it was due at (the job is made the moment the timer fires). p50 and p99 over
 * N runs (60; 10 with --quick; target p99 ≤ 20 ms). No peer.
 */
import { startGaia, stopGaia } from "../gaia-side.ts";
import { percentile } from "../interleave.ts";
import { fmt, type Options, type Section } from "./types.ts";

type Job = { created_at: string; schedule: string };

async function api(socket: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`http://gaia${path}`, { unix: socket, method, body: body === undefined ? undefined : JSON.stringify(body) } as RequestInit);
  const json = await res.json();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function scheduleLateness(runs: number) {
  const g = await startGaia(2);
  try {
    await api(g.socket, "PUT", "/v1/schedules/bench", { cron: "* * * * * *", task: "echo" });
    const deadline = performance.now() + (runs + 30) * 1000;
    while ((await api(g.socket, "GET", "/v1/schedules/bench")).runs < runs) {
      if (performance.now() > deadline) throw new Error(`bench: fewer than ${runs} runs in ${runs + 30} s`);
      await Bun.sleep(500);
    }
    const jobs = (await api(g.socket, "GET", `/v1/jobs?schedule=bench&limit=${runs}`)).jobs as Job[];
    const lateness = jobs.map((j) => Date.parse(j.created_at) % 1000).sort((a, b) => a - b);
    return { runs: lateness.length, p50_ms: percentile(lateness, 50), p99_ms: percentile(lateness, 99), max_ms: lateness.at(-1)!, samples_ms: lateness };
  } finally {
    await stopGaia(g);
  }
}

async function run(o: Options) {
  const f = await scheduleLateness(o.quick ? 10 : 60);
  return {
    rows: [
      ["schedule lateness p50 (ms)", fmt(f.p50_ms), "-", `${f.runs} runs of a 1 s cron`],
      ["schedule lateness p99 (ms)", fmt(f.p99_ms), "-", `max ${fmt(f.max_ms)} ms · target ≤ 20 ms`],
    ] as [string, string, string, string][],
    figures: f,
  };
}

export const schedules: Section = { name: "schedules", title: "how late a 1 s cron schedule fires", run };
