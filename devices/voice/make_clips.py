"""Generate the clip library (devices/voice/clips/*.wav) with espeak-ng, once, at development time.

    python -m devices.voice.make_clips            # rewrite devices/voice/clips/
    python -m devices.voice.make_clips --out DIR  # somewhere else, e.g. to compare before committing

One clip per token in `CLIP_NAMES` (words, digits, 十/百, letters as read in Chinese halls), each spoken by
`espeak-ng -v cmn-latn-pinyin` from its pinyin, converted to 16 kHz mono 16-bit and trimmed of silence. The
result is committed, so a hall needs neither espeak-ng nor this script; human recordings with the same file
names can replace them one by one.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from devices.voice import pcm
from devices.voice.calls import CLIP_NAMES
from devices.voice.clips import CLIPS_DIR
from devices.voice.espeak import EspeakPinyinEngine, token_pinyin

CLIP_SPEED = 170  # words per minute: isolated syllables come out long; this keeps a call near 4.5 s


def make_clip(engine: EspeakPinyinEngine, token: str, directory: Path) -> Path:
    path = directory / f"{CLIP_NAMES[token]}.wav"
    path.write_bytes(pcm.to_wav(engine.speak_pinyin(token_pinyin(token))))
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=CLIPS_DIR)
    parser.add_argument("--speed", type=int, default=CLIP_SPEED)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    engine = EspeakPinyinEngine(speed=args.speed)
    total = 0
    for token in CLIP_NAMES:
        path = make_clip(engine, token, args.out)
        total += path.stat().st_size
        seconds = pcm.duration(pcm.from_wav(path.read_bytes()))
        print(f"{path.name:16} {token:4} {token_pinyin(token):14} {seconds:.2f} s")
    print(f"{len(CLIP_NAMES)} clips, {total / 1024:.0f} KiB in {args.out}")


if __name__ == "__main__":
    main()
