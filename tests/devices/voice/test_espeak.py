"""The espeak-ng pinyin engine and the clip generator. scripts/test installs espeak-ng: never skipped."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import pytest

from devices.voice import pcm
from devices.voice.announcer import Announcer
from devices.voice.calls import CLIP_NAMES, Call, call_tokens
from devices.voice.espeak import VOICE, EspeakMissingError, EspeakPinyinEngine, pinyin_text, token_pinyin
from devices.voice.make_clips import main as make_clips

SPEECH_RMS = 1000


@pytest.fixture(scope="module")
def espeak() -> EspeakPinyinEngine:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed; scripts/test installs it (Debian package espeak-ng)")
    return EspeakPinyinEngine()


def test_call_as_pinyin() -> None:
    text = pinyin_text(call_tokens(Call("A012", 5)))
    assert text == "qing3 ei1 ling2 yi1 er4 hao4, dao4 wu3 hao4 chuang1 kou3 ban4 li3"
    assert text.isascii(), "no Hanzi may reach espeak: its cmn voice reads tone digits aloud"


def test_every_clip_token_has_toned_pinyin() -> None:
    for token in CLIP_NAMES:
        syllables = token_pinyin(token).split()
        assert syllables and all(syllable[-1] in "12345" for syllable in syllables), token


def test_the_pinyin_voice_is_there(espeak: EspeakPinyinEngine) -> None:
    assert "eSpeak NG" in espeak.version()
    voices = subprocess.run(["espeak-ng", "--voices=cmn"], capture_output=True, text=True, check=True).stdout
    assert VOICE in voices


def test_espeak_renders_a_call_that_is_not_silent(espeak: EspeakPinyinEngine) -> None:
    announcer = Announcer(espeak, repeat=1, lead_s=0.2, tail_s=0.3)
    samples = pcm.from_wav(announcer.render(Call("A012", 5)))
    assert 2.5 <= pcm.duration(samples) <= 8.0
    assert not samples[:3200].any()
    assert pcm.rms(samples[3200:-4800]) > SPEECH_RMS


def test_missing_binary_is_a_clear_error() -> None:
    engine = EspeakPinyinEngine(binary="/nonexistent/espeak-ng")
    assert not engine.available()
    with pytest.raises(EspeakMissingError) as raised:
        engine.speak(["请"])
    assert raised.value.code == "VOICE_ESPEAK_MISSING"
    assert "espeak-ng" in raised.value.message


def test_make_clips_generates_the_whole_library(espeak: EspeakPinyinEngine, tmp_path: Path) -> None:
    make_clips(["--out", str(tmp_path)])
    made = sorted(path.stem for path in tmp_path.glob("*.wav"))
    assert made == sorted(CLIP_NAMES.values())
    with wave.open(str(tmp_path / "qing.wav")) as clip:
        assert (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) == (1, 2, 16000)
    assert pcm.rms(pcm.from_wav((tmp_path / "digit5.wav").read_bytes())) > SPEECH_RMS
