"""Time to render one call to WAV per voice engine (p50/p99), and the WAV's duration.

    .venv/bin/python bench/voice_render.py [--runs 50]

A fresh engine per run for "cold" (clip files read from disk, espeak-ng started), one warm engine otherwise.
The call is "请 A012 号 到 5 号窗口 办理", said twice (the default repeat).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from devices.voice import pcm
from devices.voice.announcer import Announcer, VoiceEngine
from devices.voice.calls import Call
from devices.voice.clips import ClipEngine
from devices.voice.espeak import EspeakPinyinEngine

CALL = Call("A012", 5)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(make: Callable[[], VoiceEngine], runs: int, *, cold: bool) -> tuple[list[float], float, int]:
    engine = make()
    times, data = [], b""
    for _ in range(runs):
        if cold:
            engine = make()
        started = time.perf_counter()
        data = Announcer(engine).render(CALL)
        times.append((time.perf_counter() - started) * 1000)
    return times, pcm.duration(pcm.from_wav(data)), len(data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    engines: dict[str, Callable[[], VoiceEngine]] = {"clips": ClipEngine}
    if EspeakPinyinEngine().available():
        engines["espeak"] = EspeakPinyinEngine
    else:
        print("espeak-ng not installed: espeak engine not measured")
    print(f"Render one call (repeat=2) to WAV, {args.runs} runs each")
    print(f"{'engine':12} {'p50 ms':>8} {'p99 ms':>8} {'WAV s':>7} {'WAV KiB':>8}")
    for name, make in engines.items():
        for cold in (True, False):
            times, seconds, size = measure(make, args.runs, cold=cold)
            label = f"{name} {'cold' if cold else 'warm'}"
            print(
                f"{label:12} {statistics.median(times):8.2f} {percentile(times, 0.99):8.2f}"
                f" {seconds:7.2f} {size / 1024:8.0f}"
            )


if __name__ == "__main__":
    main()
