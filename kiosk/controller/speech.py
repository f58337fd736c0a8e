"""The kiosk's voice: every step spoken aloud, offline, in elder mode (适老化).

A sentence becomes pinyin with tone numbers (Hanzi by pypinyin, a ticket number letter by letter and digit
by digit as the hall's caller says it, other numbers as cardinals) and espeak-ng speaks it through the voice
driver (devices.voice.espeak) into 16 kHz PCM; an `AudioOut` plays it on the PC's sound output. Synthesis
and playing run in the speaker's own thread, never on the UI thread; a new sentence cuts the one playing
(the visitor has moved on).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque

from pypinyin import Style, lazy_pinyin

from devices import registry
from devices.errors import DeviceError
from devices.voice import pcm
from devices.voice.calls import DIGITS, MAX_WINDOW, cardinal
from devices.voice.espeak import LETTER_PINYIN, EspeakPinyinEngine
from devices.voice.player import AudioOut, SystemAudioOut
from hall_server.contract.devicehealth import PartState
from kiosk.config import KioskConfig, Language
from kiosk.controller.devices import DeviceHub

log = logging.getLogger(__name__)

ENGLISH_VOICE = "en"
SAID_KEPT = 20
_PIECES = re.compile(
    r"(?P<ticket>[A-Z]{1,3}[0-9]{1,5})|(?P<number>[0-9]+)|(?P<han>[\u3400-\u9fff]+)"
    r"|(?P<letters>[A-Z]{1,3}(?![A-Za-z]))|(?P<pause>[，。！？、；：,.!?;:（）()]+)"
)


def spoken_pinyin(text: str) -> str:
    """A Chinese sentence as espeak-ng's pinyin voice reads it: "请到 5 号窗口，A012 号" → "qing3 dao4 wu3
    hao4 chuang1 kou3, ei1 ling2 yi1 er4 hao4". Anything it could not pronounce (stray Latin words) is left
    out rather than spelled."""
    words: list[str] = []
    for piece in _PIECES.finditer(text):
        kind, value = piece.lastgroup, piece.group()
        if kind == "ticket":
            words += [_hanzi_pinyin(DIGITS[int(c)]) if c.isdigit() else LETTER_PINYIN[c] for c in value]
        elif kind == "number":
            number = int(value)
            spoken = cardinal(number) if 1 <= number <= MAX_WINDOW else [DIGITS[int(c)] for c in value]
            words.append(_hanzi_pinyin("".join(spoken)))
        elif kind == "han":
            words.append(_hanzi_pinyin(value))
        elif kind == "letters":
            words += [LETTER_PINYIN[c] for c in value]
        elif words and not words[-1].endswith(","):
            words[-1] += ","
    return " ".join(words).rstrip(",")


def _hanzi_pinyin(text: str) -> str:
    return " ".join(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True))


# -- the speaker ---------------------------------------------------------------------------------------------


class Speaker:
    """Says one sentence at a time in its own thread; the newest sentence wins."""

    def __init__(self, engine: EspeakPinyinEngine, out: AudioOut) -> None:
        self.engine = engine
        self.out = out
        self._wake = threading.Condition()
        self._pending: tuple[str, Language] | None = None
        self.said: deque[str] = deque(maxlen=SAID_KEPT)  # the latest sentences asked for (log, tests)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="kiosk-voice", daemon=True)
        self._thread.start()

    def say(self, text: str, language: Language = Language.ZH) -> None:
        """Speak `text` soon (callable from any thread; returns at once), cutting what is being said."""
        with self._wake:
            self._pending = (text, language)
            self.said.append(text)
            self._wake.notify()
        self.out.stop()

    def close(self, timeout: float = 5.0) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self.out.stop()
        self._thread.join(timeout)

    def _next(self) -> tuple[str, Language] | None:
        with self._wake:
            while self._pending is None and not self._closed:
                self._wake.wait()
            sentence, self._pending = self._pending, None
            return None if self._closed else sentence

    def _run(self) -> None:
        while (sentence := self._next()) is not None:
            try:
                samples = self._synthesise(*sentence)
            except DeviceError as exc:
                log.warning("kiosk: the voice could not speak: %s", exc.code)
                continue
            with self._wake:
                if self._pending is not None or self._closed:
                    continue  # a newer sentence came while this one was synthesised
            self.out.play(samples)

    def _synthesise(self, text: str, language: Language) -> pcm.Samples:
        if language is Language.EN:
            return self.engine.speak_with(ENGLISH_VOICE, text)
        return self.engine.speak_pinyin(spoken_pinyin(text))


def speaker_for(config: KioskConfig, devices: DeviceHub, out: AudioOut | None = None) -> Speaker | None:
    """The speaker the config asks for (`voice` empty: none), its state recorded as the "voice" part."""
    if not config.voice:
        return None
    try:
        announcer = registry.open_device("voice", config.voice)
    except (DeviceError, ValueError) as exc:
        devices.set_part("voice", config.voice, PartState.ABSENT, "VOICE_BAD_URL", str(exc))
        return None
    # Only espeak-ng can say any sentence; a clip library knows the words of a call and no more.
    engine = announcer.engine if isinstance(announcer.engine, EspeakPinyinEngine) else EspeakPinyinEngine()
    if not engine.available():
        devices.set_part("voice", config.voice, PartState.ABSENT, "VOICE_ESPEAK_MISSING", "未安装 espeak-ng")
        log.warning("kiosk: espeak-ng is not installed: no voice")
        return None

    def silent(reason: str) -> None:
        devices.set_part("voice", config.voice, PartState.FAULT, "NO_SOUND_OUTPUT", f"没有声音输出：{reason}")

    sound = out or SystemAudioOut(config.sound_device, silent)
    devices.set_part("voice", config.voice, PartState.OK)
    if isinstance(sound, SystemAudioOut) and not sound.available:
        silent(sound.silent_reason)
    return Speaker(engine, sound)
