"""The audio example's computation in one process, for checking the pipeline's output:

    python examples/audio_reference.py IN.wav   → one JSON line per 20 ms frame on stdout

Voice activity and the spectrum are written again here in numpy; the resampler is the node's
own class (audio_nodes.Decimator). Same inputs as the pipeline: int16 samples / 32768 as
float32, in frames of 320.
"""
import json
import sys
import wave
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "python")]  # the example's nodes; this checkout's gaia_worker
from audio_nodes import Decimator  # noqa: E402


def frames(path: str):
    with wave.open(path, "rb") as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    audio = (pcm.astype(np.float32) / np.float32(32768)).astype(np.float32)
    for i in range(len(audio) // 320):
        yield audio[i * 320 : (i + 1) * 320]


def main(path: str, threshold: float = -35, hangover: int = 5, rate: int = 8000) -> None:
    decimate, hang, voiced_frames, mean = Decimator(), 0, 0, 0.0
    window = None
    for index, x in enumerate(frames(path)):
        x64 = x.astype(np.float64)
        rms = float(np.sqrt(np.dot(x64, x64) / len(x64)))
        dbfs = 20 * np.log10(rms) if rms > 0 else -200.0
        loud = bool(dbfs > threshold)
        hang = hangover if loud else max(0, hang - 1)
        voiced = loud or hang > 0
        y = decimate(x).astype(np.float64)
        n = len(y)
        if window is None:
            t = np.arange(n)
            window = 0.5 - 0.5 * np.cos(2 * np.pi * t / n)
            basis = np.exp(-2j * np.pi * np.outer(np.arange(n // 2 + 1), t) / n)
        power = np.abs(basis @ (y * window)) ** 2
        peak = 1 + int(np.argmax(power[1:]))
        if voiced:
            voiced_frames += 1
            mean += (rms - mean) / voiced_frames
        print(json.dumps({"index": index, "voiced": voiced, "loud": loud, "rms": rms, "dbfs": float(dbfs),
                          "peak_hz": peak * rate / n, "band_energy": float(power.sum()),
                          "voiced_frames": voiced_frames, "mean_voiced_rms": mean}))


if __name__ == "__main__":
    main(sys.argv[1])
