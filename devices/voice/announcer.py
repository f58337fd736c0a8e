"""The announcer: a call → tokens → speech from the configured engine → one WAV the display plays.

The WAV is 16 kHz mono 16-bit: `lead_s` of silence, the call, then again after `repeat_gap_s` silence,
`repeat` times in all (halls say each call twice), and `tail_s` of silence so a player does not clip the last
syllable.
Engines: "clips" (default; the committed clip library, needs nothing installed) and "espeak" (espeak-ng via
pinyin, if installed). Playing the WAV is the display's business, not this package's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from devices.transport import DeviceUrlError
from devices.voice import pcm
from devices.voice.calls import Call, call_tokens
from devices.voice.clips import ClipEngine
from devices.voice.espeak import EspeakPinyinEngine

ENGINES = ("clips", "espeak")


class VoiceEngine(Protocol):
    name: str

    def speak(self, tokens: Sequence[str]) -> pcm.Samples: ...


def make_engine(name: str, *, clips_dir: Path | None = None) -> VoiceEngine:
    if name == "clips":
        return ClipEngine(clips_dir) if clips_dir else ClipEngine()
    if name == "espeak":
        return EspeakPinyinEngine()
    raise DeviceUrlError(f"unknown voice engine {name!r}; use one of {', '.join(ENGINES)}")


class Announcer:
    def __init__(
        self,
        engine: VoiceEngine,
        *,
        repeat: int = 2,
        repeat_gap_s: float = 1.0,
        lead_s: float = 0.2,
        tail_s: float = 0.3,
    ) -> None:
        if not 1 <= repeat <= 5:
            raise DeviceUrlError(f"repeat={repeat}: a call is said 1 to 5 times")
        self.engine = engine
        self.repeat = repeat
        self.repeat_gap_s = repeat_gap_s
        self.lead_s = lead_s
        self.tail_s = tail_s

    def tokens(self, call: Call) -> list[str]:
        return call_tokens(call)

    def render_samples(self, call: Call) -> pcm.Samples:
        speech = self.engine.speak(self.tokens(call))
        parts = [pcm.silence(self.lead_s), speech]
        for _ in range(self.repeat - 1):
            parts += [pcm.silence(self.repeat_gap_s), speech]
        parts.append(pcm.silence(self.tail_s))
        return pcm.join(parts)

    def render(self, call: Call) -> bytes:
        """The call as WAV bytes."""
        return pcm.to_wav(self.render_samples(call))

    def render_to_file(self, call: Call, path: Path) -> Path:
        path.write_bytes(self.render(call))
        return path
