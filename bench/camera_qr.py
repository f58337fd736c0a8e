"""QR decode time per 1280×720 frame: plain, inverted (dark mode), warped, small, and frames with no code.

    .venv/bin/python bench/camera_qr.py [--frames 60]

Each case renders one synthetic scene and scans noisy variants of it (SyntheticSource, realtime off), so the
time is QrScanner.scan alone. "empty" is the common case at a kiosk: nobody is holding a phone up.
"""

from __future__ import annotations

import argparse
import statistics
import time

from devices.camera.qr import QrScanner
from devices.camera.synthetic import SceneSpec, SyntheticSource

CASES = {
    "plain": {"scene": "qr"},
    "inverted": {"scene": "qr", "invert": "1"},
    "warped": {"scene": "qr", "warp": "1"},
    "warped+inverted": {"scene": "qr", "warp": "1", "invert": "1"},
    "small (90 px)": {"scene": "qr", "size": "90"},
    "small (70 px)": {"scene": "qr", "size": "70"},
    "small warped": {"scene": "qr", "size": "90", "warp": "1"},
    "empty hall": {"scene": "empty"},
    "face": {"scene": "face"},
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    scanner = QrScanner()
    print(f"QR scan of 1280x720 frames, {args.frames} frames per case")
    print(f"{'case':18} {'decoded':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, options in CASES.items():
        source = SyntheticSource(SceneSpec.from_options(options), realtime=False, seed=1)
        expected = source.spec.text if options["scene"] == "qr" else None
        times, hits = [], 0
        for _ in range(args.frames):
            frame = source.read()
            assert frame is not None
            started = time.perf_counter()
            code = scanner.scan(frame)
            times.append((time.perf_counter() - started) * 1000)
            hits += (code.text if code else None) == expected
        print(
            f"{name:18} {hits:>4}/{args.frames:<3} {statistics.median(times):8.1f}"
            f" {percentile(times, 0.99):8.1f} {max(times):8.1f}"
        )


if __name__ == "__main__":
    main()
