"""Writes a synthetic truth field and a noisy forecast of it as .npy files (float32, C order).

    python3 examples/make_weather_data.py [OUT_DIR] [ROWS] [COLS]
"""
import sys
from pathlib import Path

import numpy as np

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
rows, cols = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (721, 1440)  # a 0.25° global grid
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(42)
lat = np.linspace(-90, 90, rows, dtype=np.float32)[:, None]
lon = np.linspace(0, 360, cols, endpoint=False, dtype=np.float32)[None, :]
truth = (288 - 30 * np.sin(np.radians(lat)) ** 2 + 5 * np.cos(np.radians(lon * 3))).astype(np.float32)
forecast = (truth + rng.normal(0.3, 1.2, truth.shape)).astype(np.float32)
np.save(out / "truth.npy", truth)
np.save(out / "forecast.npy", forecast)
print(f"wrote {out / 'truth.npy'} and {out / 'forecast.npy'}: float32 {truth.shape}")
