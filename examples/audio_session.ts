/**
 * Streams a WAV through the audio pipeline of examples/audio.toml, with the session runtime
 * on its own (node processes spawned here, no supervisor): what `POST /v1/sessions` will do
 * inside gaia once the routes exist (docs/pipelines.md).
 *
 *   node_modules/.bin/bun examples/audio_session.ts IN.wav
 *
 * Prints a line per second of audio (the share of voiced frames, the peak frequencies of the
 * loud ones) and what each node processed.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { instanceId } from "../src/arrays/names.ts";
import { startTime } from "../src/lib/proc.ts";
import { LocalLauncher } from "../src/io/pipelines/local-launcher.ts";
import { SessionRuntime } from "../src/io/pipelines/runtime.ts";
import { Pipeline, type PipelineDefinition } from "../src/io/pipelines/schema.ts";

export const FRAME = 320;

/** The 20 ms frames of a 16 kHz mono 16-bit WAV, as float32 (sample / 32768). */
export function wavFrames(path: string): Float32Array[] {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 12;
  while (at + 8 <= bytes.length && bytes.toString("latin1", at, at + 4) !== "data") at += 8 + view.getUint32(at + 4, true);
  if (at + 8 > bytes.length) throw new Error(`${path}: no data chunk (is it a WAV?)`);
  const samples = view.getUint32(at + 4, true) / 2;
  const frames: Float32Array[] = [];
  for (let f = 0; f + 1 <= samples / FRAME; f++) {
    const out = new Float32Array(FRAME);
    for (let i = 0; i < FRAME; i++) out[i] = view.getInt16(at + 8 + 2 * (f * FRAME + i), true) / 32768;
    frames.push(out);
  }
  return frames;
}

/** The `audio` pipeline of examples/audio.toml, its paths made absolute as gaia's loader does. */
export function audioPipeline(): PipelineDefinition {
  const file = join(import.meta.dir, "audio.toml");
  const raw = (Bun.TOML.parse(readFileSync(file, "utf8")) as { pipelines: Record<string, unknown>[] }).pipelines[0]!;
  const at = (p: string) => (isAbsolute(p) || !p.includes("/") && !p.includes(".") ? p : resolve(dirname(file), p));
  const nodes = (raw.nodes as Record<string, string>[]).map((n) => ({ ...n, module: at(n.module!), ...(n.python ? { python: at(n.python) } : {}) }));
  return Pipeline.parse({ ...raw, nodes }) as PipelineDefinition;
}

/** A session runtime on a temporary run dir, with its own launcher (see test/helpers). */
export function localRuntime(pipelines: PipelineDefinition[]) {
  const dir = mkdtempSync(join(tmpdir(), "gaia-audio-"));
  const secret = crypto.randomUUID();
  const launcher = new LocalLauncher(secret, (line) => !line.startsWith("runtime:") && console.error(line));
  const runtime = new SessionRuntime({
    runDir: dir, arraysDir: "/dev/shm", instance: instanceId(process.pid, startTime(process.pid) ?? 0), secret, pipelines,
    launch: { selfCommand: [process.execPath, join(import.meta.dir, "../src/main.ts")], pythonPackage: join(import.meta.dir, "../python"), baseEnv: process.env },
  }, launcher.hooks());
  launcher.onExit = (pid, exit) => runtime.nodeExited(pid, exit);
  const stop = async () => {
    await runtime.shutdown();
    await launcher.stopAll();
    runtime.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { runtime, launcher, stop };
}

type Stats = { index: number; voiced: boolean; loud: boolean; peak_hz: number; voiced_frames: number; mean_voiced_rms: number };

if (import.meta.main) {
  const frames = wavFrames(process.argv[2] ?? "/tmp/tones.wav");
  const { runtime, stop } = localRuntime([audioPipeline()]);
  try {
    const session = await runtime.create("audio");
    let second: Stats[] = [];
    const done = new Promise<void>((resolveDone) => {
      session.onOutput("spectrum.stats", (s) => {
        second.push(s as Stats);
        if (second.length === 50 || (s as Stats).index === frames.length - 1) {
          const voiced = second.filter((x) => x.voiced);
          const peaks = [...new Set(second.filter((x) => x.loud).map((x) => x.peak_hz))].join("/") || "-";
          console.log(`${((s as Stats).index / 50).toFixed(1).padStart(6)} s  voiced ${String(voiced.length * 2).padStart(3)}%  peak ${peaks} Hz`);
          second = [];
        }
        if ((s as Stats).index === frames.length - 1) resolveDone();
      });
    });
    const started = performance.now();
    for (const frame of frames) await session.input("vad.audio", frame);
    await done;
    const ms = performance.now() - started;
    console.log(`${frames.length} frames (${frames.length / 50} s of audio) in ${ms.toFixed(0)} ms`);
    console.log(JSON.stringify((await session.terminate()).nodes.map((n) => ({ id: n.id, frames_in: n.frames_in, frames_out: n.frames_out, exit: n.exit?.code }))));
  } finally {
    await stop();
  }
}
