"""The Python node of the audio example (examples/audio.toml): a low-pass FIR filter and a
resampler from 16 kHz to 8 kHz, in numpy, keeping its filter state across frames.

Between the Bun nodes of audio_nodes.ts: ``vad`` sends ``{index, voiced, loud, rms, dbfs,
audio}`` with 320 float32 samples; this node sends the same with 160.
"""
import numpy as np

from gaia_worker import node


def lowpass(taps: int, cutoff: float) -> np.ndarray:
    """A windowed-sinc low-pass filter; ``cutoff`` as a fraction of the Nyquist frequency."""
    n = np.arange(taps) - (taps - 1) / 2
    h = cutoff * np.sinc(cutoff * n) * np.hamming(taps)
    return h / h.sum()


class Decimator:
    """Filters and keeps every ``factor``-th sample; the filter's history carries over."""

    def __init__(self, taps: int = 31, factor: int = 2) -> None:
        self.h = lowpass(taps, 1.0 / factor)
        self.factor = factor
        self.history = np.zeros(taps - 1)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        buf = np.concatenate([self.history, x.astype(np.float64)])
        self.history = buf[len(buf) - len(self.history) :]
        return np.convolve(buf, self.h, mode="valid")[:: self.factor].astype(np.float32)


@node("audio.resample")
class Resample:
    inputs = ("frames",)
    outputs = ("frames",)

    def __init__(self, config, ctx):
        self.decimate = Decimator(config.get("taps", 31), config.get("factor", 2))

    def process(self, port, frame, ctx):
        ctx.emit("frames", {**frame, "audio": self.decimate(frame["audio"])})
