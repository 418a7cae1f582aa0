"""Writes the audio example's input: 16 kHz mono 16-bit PCM, tones and near-silence in turn.

    python examples/audio_make_wav.py OUT.wav [--frames N]   (N frames of 20 ms; default 250, 5 s)

Segments are whole 20 ms frames (320 samples), so every frame is either a tone (500 Hz or
1500 Hz at half scale, about -9 dBFS) or faint noise (about -63 dBFS), never a mix.
"""
import argparse
import wave

import numpy as np

RATE = 16_000
FRAME = 320
# (kind, frames): 0.5 s of 500 Hz, 0.3 s of noise, 0.4 s of 1500 Hz, 0.2 s of noise
PATTERN = [(500, 25), (0, 15), (1500, 20), (0, 10)]


def signal(frames: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    parts, total, i = [], 0, 0
    while total < frames:
        hz, n = PATTERN[i % len(PATTERN)]
        n = min(n, frames - total)
        t = np.arange(total * FRAME, (total + n) * FRAME) / RATE
        parts.append(0.5 * np.sin(2 * np.pi * hz * t) if hz else 0.001 * rng.standard_normal(n * FRAME))
        total, i = total + n, i + 1
    return np.concatenate(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--frames", type=int, default=250)
    args = parser.parse_args()
    pcm = np.round(signal(args.frames) * 32767).astype("<i2")
    with wave.open(args.out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


if __name__ == "__main__":
    main()
