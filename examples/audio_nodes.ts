/**
 * The Bun nodes of the audio example (examples/audio.toml, docs/pipelines.md): voice activity
 * from frame energy, and a spectrum with running statistics. Between them a Python node
 * (audio_nodes.py) low-passes and resamples 16 kHz to 8 kHz.
 *
 *   vad.audio (session input: 20 ms of float32 at 16 kHz, 320 samples)
 *     → vad ─frames→ resample ─frames→ spectrum → spectrum.stats (session output)
 */
import type { NodeContext } from "../workers/node/types.ts";

type Frame = { index: number; voiced: boolean; loud: boolean; rms: number; dbfs: number; audio: Float32Array };

export const nodes = {
  /**
   * Voice activity from frame energy: a frame is loud above `threshold_dbfs`, and voiced while
   * loud or within `hangover_frames` after a loud one (speech has short pauses).
   */
  "audio.vad": class Vad {
    static inputs = ["audio"];
    static outputs = ["frames"];
    private readonly threshold: number;
    private readonly hangover: number;
    private hang = 0;
    private index = 0;

    constructor(config: { threshold_dbfs?: number; hangover_frames?: number }, _ctx: NodeContext) {
      this.threshold = config.threshold_dbfs ?? -35;
      this.hangover = config.hangover_frames ?? 5;
    }

    process(_port: string, audio: Float32Array, ctx: NodeContext) {
      let sumsq = 0;
      for (let i = 0; i < audio.length; i++) sumsq += audio[i]! * audio[i]!;
      const rms = Math.sqrt(sumsq / audio.length);
      const dbfs = rms > 0 ? 20 * Math.log10(rms) : -200;
      const loud = dbfs > this.threshold;
      if (loud) this.hang = this.hangover;
      else if (this.hang > 0) this.hang--;
      const voiced = loud || this.hang > 0;
      return ctx.emit("frames", { index: this.index++, voiced, loud, rms, dbfs, audio });
    }
  },

  /**
   * The power spectrum of each (8 kHz) frame under a Hann window, its peak frequency, and
   * running statistics of the voiced frames.
   */
  "audio.spectrum": class Spectrum {
    static inputs = ["frames"];
    static outputs = ["stats"];
    private readonly rate: number;
    private voicedFrames = 0;
    private meanVoicedRms = 0;
    private cos: Float64Array | null = null;
    private sin: Float64Array | null = null;

    constructor(config: { rate?: number }, _ctx: NodeContext) {
      this.rate = config.rate ?? 8000;
    }

    process(_port: string, f: Frame, ctx: NodeContext) {
      const x = f.audio;
      const n = x.length;
      if (!this.cos || this.cos.length !== n) this.tables(n);
      let peak = 1;
      let peakPower = -1;
      let energy = 0;
      for (let k = 0; k <= n / 2; k++) {
        let re = 0;
        let im = 0;
        for (let t = 0; t < n; t++) {
          const w = x[t]! * (0.5 - 0.5 * this.cos![t]!);
          const j = (k * t) % n;
          re += w * this.cos![j]!;
          im -= w * this.sin![j]!;
        }
        const power = re * re + im * im;
        energy += power;
        if (k >= 1 && power > peakPower) [peak, peakPower] = [k, power];
      }
      if (f.voiced) this.meanVoicedRms += (f.rms - this.meanVoicedRms) / ++this.voicedFrames;
      return ctx.emit("stats", {
        index: f.index, voiced: f.voiced, loud: f.loud, rms: f.rms, dbfs: f.dbfs,
        peak_hz: (peak * this.rate) / n, band_energy: energy,
        voiced_frames: this.voicedFrames, mean_voiced_rms: this.meanVoicedRms,
      });
    }

    private tables(n: number) {
      this.cos = new Float64Array(n).map((_, t) => Math.cos((2 * Math.PI * t) / n));
      this.sin = new Float64Array(n).map((_, t) => Math.sin((2 * Math.PI * t) / n));
    }
  },
};
