/**
 * The audio example (examples/audio.toml): 10,000 frames of 20 ms through Bun → Python → Bun
 * nodes come out, every one, in order, with the values the same computation gives in one
 * process (examples/audio_reference.py).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { audioPipeline, wavFrames } from "../examples/audio_session.ts";
import { PY, ROOT, startRuntime, until, type Harness } from "./helpers/pipelines.ts";

const FRAMES = 10_000;
const dir = mkdtempSync(join(tmpdir(), "gaia-audio-test-"));
let h: Harness | null = null;
afterAll(async () => {
  await h?.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Row = { index: number; voiced: boolean; loud: boolean; rms: number; dbfs: number; peak_hz: number; band_energy: number; voiced_frames: number; mean_voiced_rms: number };

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-12);

test("10,000 frames: every frame out, in order, with the one-process values", async () => {
  const wav = join(dir, "tones.wav");
  const made = Bun.spawnSync([PY, join(ROOT, "examples/audio_make_wav.py"), wav, "--frames", String(FRAMES)]);
  expect(made.exitCode).toBe(0);
  const reference = Bun.spawnSync([PY, join(ROOT, "examples/audio_reference.py"), wav], { stdout: "pipe" });
  expect(reference.exitCode).toBe(0);
  const want = reference.stdout.toString().trim().split("\n").map((l) => JSON.parse(l) as Row);
  expect(want).toHaveLength(FRAMES);

  h = await startRuntime({ pipelines: [audioPipeline()] });
  const session = await h.runtime.create("audio");
  const got: Row[] = [];
  session.onOutput("spectrum.stats", (row) => void got.push(row as Row));
  const frames = wavFrames(wav);
  expect(frames).toHaveLength(FRAMES);
  for (const frame of frames) await session.input("vad.audio", frame);
  await until(() => got.length >= FRAMES, `${FRAMES} frames out (got ${got.length})`, 120_000);

  expect(got.map((r) => r.index)).toEqual(want.map((r) => r.index));
  const mismatches: string[] = [];
  for (let i = 0; i < FRAMES; i++) {
    const [g, w] = [got[i]!, want[i]!];
    if (g.voiced !== w.voiced || g.loud !== w.loud || g.voiced_frames !== w.voiced_frames) mismatches.push(`frame ${i}: voicing ${JSON.stringify([g.voiced, g.loud, g.voiced_frames])} != ${JSON.stringify([w.voiced, w.loud, w.voiced_frames])}`);
    // Summation order differs (a loop here, numpy's pairwise sums there): equal to ~1e-12.
    for (const key of ["rms", "dbfs", "mean_voiced_rms"] as const) if (!close(g[key], w[key], 1e-9)) mismatches.push(`frame ${i}: ${key} ${g[key]} != ${w[key]}`);
    if (!close(g.band_energy, w.band_energy, 1e-6)) mismatches.push(`frame ${i}: band_energy ${g.band_energy} != ${w.band_energy}`);
    // A tone's peak is one exact bin; the peak of faint noise is noise, and not compared.
    if (w.loud && g.peak_hz !== w.peak_hz) mismatches.push(`frame ${i}: peak ${g.peak_hz} != ${w.peak_hz}`);
  }
  expect(mismatches.slice(0, 10)).toEqual([]);
  expect(new Set(want.filter((r) => r.loud).map((r) => r.peak_hz))).toEqual(new Set([500, 1500]));

  const view = await session.terminate();
  expect(view.state).toBe("terminated");
  expect(view.nodes.map((n) => [n.id, n.frames_in, n.frames_out, n.exit?.code])).toEqual([
    ["vad", FRAMES, FRAMES, 0],
    ["resample", FRAMES, FRAMES, 0],
    ["spectrum", FRAMES, FRAMES, 0],
  ]);
}, 180_000);
