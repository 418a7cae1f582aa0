/**
 * ray: Ray core as a peer of gaia's job path (bench/ray_peers.py, kept running): sequential
 * round trips (`ray.get(f.remote(x))` against POST /v1/jobs?wait=) and tasks per second (N
 * `f.remote` then one `ray.get`, against N jobs through /v1/jobs/batch until terminal), on 2
 * CPUs each. Ray is pip-installed on demand into its own venv, bench/.peers/ray-venv (as PM2
 * is into bench/.peers); when pip cannot get it the row says so, with pip's last words.
 *
 * Fewer jobs than the core section's 100,000: Ray runs about a thousand tasks a second here
 * (measured before: ray 2.60 on 2 CPUs, 3.9 ms round trip, 757 tasks/s), so a block of
 * 100,000 would take minutes. gaia gets the same number of jobs in each pair.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { roundTrip, startGaia, stopGaia, throughput, type Running } from "../gaia-side.ts";
import { formatSpread, interleave, ratios, sideSummary } from "../interleave.ts";
import { PeerServer } from "../peer-server.ts";
import { WORKERS } from "./core.ts";
import { fmt, rounds, type Options, type Section } from "./types.ts";

const VENV = join(import.meta.dir, "../.peers/ray-venv");
const PYTHON = join(VENV, "bin/python");

/** The venv's python with ray importable, or why not. */
export function ensureRay(log: (line: string) => void): { python: string } | { missing: string } {
  const ok = () => existsSync(PYTHON) && Bun.spawnSync([PYTHON, "-c", "import ray"]).success;
  if (ok()) return { python: PYTHON };
  log("ray: installing ray into bench/.peers/ray-venv (pip; a few minutes)");
  mkdirSync(join(VENV, ".."), { recursive: true });
  const steps = [["python3", "-m", "venv", VENV], [PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "ray"]];
  for (const cmd of steps) {
    const run = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
    if (!run.success) {
      const words = `${run.stdout}${run.stderr}`.trim().split("\n").slice(-2).join(" ").slice(0, 200);
      return { missing: `\`${cmd.slice(-1)[0]}\` failed (exit ${run.exitCode}): ${words}` };
    }
  }
  return ok() ? { python: PYTHON } : { missing: "ray installed but does not import" };
}

async function run(o: Options) {
  const got = ensureRay(o.log);
  if ("missing" in got) return { rows: [["Ray core", "-", `missing: ${got.missing}`, "-"] as [string, string, string, string]], figures: { missing: got.missing } };
  const n = { roundtrips: o.quick ? 200 : 2000, jobs: o.quick ? 1000 : 10_000, rounds: rounds(o.quick) };
  const temp = mkdtempSync(join(tmpdir(), "gaia-ray-"));
  let g: Running | undefined;
  let ray: PeerServer | undefined;
  try {
    g = await startGaia(WORKERS);
    const started = await PeerServer.start("bench/ray_peers.py", [got.python, join(import.meta.dir, "../ray_peers.py"), "--cpus", String(WORKERS), "--temp-dir", temp]);
    ray = started.server;
    const [gaia, peer] = [g, ray];
    const rt = await interleave({ gaia: () => roundTrip(gaia, n.roundtrips), ray: () => peer.call("roundtrip", n.roundtrips) }, { rounds: n.rounds, warmup: true, log: (l) => o.log(`ray round trip ${l}`) });
    const tp = await interleave({ gaia: () => throughput(gaia, n.jobs), ray: () => peer.call("throughput", n.jobs) }, { rounds: n.rounds, log: (l) => o.log(`ray throughput ${l}`) });
    const [gr, rr, gt, rtp] = [sideSummary(rt.gaia!), sideSummary(rt.ray!), sideSummary(tp.gaia!), sideSummary(tp.ray!)];
    const version = `Ray ${started.ready.ray}`;
    return {
      rows: [
        ["Bun pool vs Ray: round trip p50 (µs)", fmt(gr.p50!), `${version} ${fmt(rr.p50!)}`, `${formatSpread(ratios(rt, { of: "gaia", to: "ray", key: "p50", better: "lower" }))} Ray`],
        ["Bun pool vs Ray: round trip p99 (µs)", fmt(gr.p99!), `${version} ${fmt(rr.p99!)}`, `${formatSpread(ratios(rt, { of: "gaia", to: "ray", key: "p99", better: "lower" }))} Ray`],
        [`Bun pool vs Ray: ${fmt(n.jobs)} jobs (jobs/s)`, fmt(gt.per_s!), `${version} ${fmt(rtp.per_s!)} tasks/s`, `${formatSpread(ratios(tp, { of: "gaia", to: "ray", key: "per_s", better: "higher" }))} Ray`],
      ] as [string, string, string, string][],
      figures: { ray: started.ready.ray, cpus: WORKERS, sizes: n, roundtrip_us: rt, throughput: tp },
    };
  } finally {
    await ray?.close();
    if (g) await stopGaia(g);
    rmSync(temp, { recursive: true, force: true });
  }
}

export const ray: Section = { name: "ray", title: "jobs against Ray core (round trip, tasks/s), Ray installed on demand", run };
