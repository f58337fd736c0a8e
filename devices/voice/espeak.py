"""Whole-sentence synthesis with espeak-ng through pinyin (devices.md §5).

Debian 12's espeak-ng 1.51 reads Hanzi with the `cmn` voice as pinyin plus English tone digits ("qing three"),
so the text is converted first: Hanzi → pypinyin TONE3 ("qing3", neutral tone as 5), letters → the syllables
a Chinese hall uses for them (A → ei1), the phrase mark → a comma; then `espeak-ng -v cmn-latn-pinyin` speaks
the pinyin. Robotic but with the right tones, and fully offline. Also used to generate the clip library.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from devices.errors import DeviceError, DeviceUnavailable
from devices.voice import pcm
from devices.voice.calls import PAUSE

VOICE = "cmn-latn-pinyin"
LETTER_PINYIN = {
    "A": "ei1", "B": "bi4", "C": "xi1", "D": "di4", "E": "yi4", "F": "ai2 fu5", "G": "ji4", "H": "ai1 qi1",
    "I": "ai4", "J": "jie4", "K": "kai1", "L": "ai2 le5", "M": "ai2 mu5", "N": "en1", "O": "ou1", "P": "pi4",
    "Q": "kiu1", "R": "a4 er5", "S": "ai2 si1", "T": "ti4", "U": "you1", "V": "wei1", "W": "da2 bu5 liu5",
    "X": "ai2 ke4 si1", "Y": "wai4", "Z": "zei4",
}  # fmt: skip


class EspeakMissingError(DeviceUnavailable):
    code = "VOICE_ESPEAK_MISSING"


class EspeakFailedError(DeviceError):
    code = "VOICE_ESPEAK_FAILED"


def token_pinyin(token: str) -> str:
    if token == PAUSE:
        return ","
    if token in LETTER_PINYIN:
        return LETTER_PINYIN[token]
    return " ".join(lazy_pinyin(token, style=Style.TONE3, neutral_tone_with_five=True))


def pinyin_text(tokens: Sequence[str]) -> str:
    return " ".join(token_pinyin(token) for token in tokens).replace(" ,", ",")


class EspeakPinyinEngine:
    name = "espeak"

    def __init__(self, *, binary: str = "espeak-ng", speed: int = 150, timeout_s: float = 10.0) -> None:
        self.binary = binary
        self.speed = speed
        self.timeout_s = timeout_s

    def available(self) -> bool:
        return shutil.which(self.binary) is not None

    def version(self) -> str:
        return self._run(["--version"]).stdout.decode(errors="replace").strip()

    def speak(self, tokens: Sequence[str]) -> pcm.Samples:
        return self.speak_pinyin(pinyin_text(tokens))

    def speak_pinyin(self, text: str) -> pcm.Samples:
        return self.speak_with(VOICE, text)

    def speak_with(self, voice: str, text: str) -> pcm.Samples:
        """`text` read by another espeak-ng voice (e.g. "en" for a kiosk's English sentences)."""
        with tempfile.TemporaryDirectory(prefix="yimen-voice-") as scratch:
            wav_path = Path(scratch) / "speech.wav"
            self._run(["-v", voice, "-s", str(self.speed), "-w", str(wav_path), "--", text])
            return pcm.trim(pcm.from_wav(wav_path.read_bytes()))

    def _run(self, arguments: list[str]) -> subprocess.CompletedProcess[bytes]:
        try:
            done = subprocess.run(  # noqa: S603 - fixed binary, arguments are ours; no shell
                [self.binary, *arguments], capture_output=True, timeout=self.timeout_s, check=False
            )
        except FileNotFoundError as exc:
            raise EspeakMissingError("未安装 espeak-ng，无法合成语音", detail=self.binary) from exc
        except subprocess.TimeoutExpired as exc:
            raise EspeakFailedError("语音合成超时", detail=f"{self.binary} > {self.timeout_s}s") from exc
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip()
            raise EspeakFailedError("语音合成失败", detail=detail or f"exit {done.returncode}")
        return done
