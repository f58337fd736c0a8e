"""The clip engine and the announcer: the committed clip library, WAV length, loudness and silences."""

from __future__ import annotations

import io
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from devices.voice import pcm
from devices.voice.announcer import Announcer
from devices.voice.calls import CLIP_NAMES, PAUSE, Call, call_tokens
from devices.voice.clips import CLIPS_DIR, ClipEngine, VoiceClipMissingError

SPEECH_RMS = 1000  # int16 RMS of speech at the clips' level; silence is 0
CALL = Call("A012", 5)


def test_the_committed_library_has_every_clip_in_the_one_format() -> None:
    assert ClipEngine().missing() == []
    for stem in CLIP_NAMES.values():
        with wave.open(str(CLIPS_DIR / f"{stem}.wav")) as clip:
            assert (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) == (1, 2, 16000), stem
            assert 0.15 <= clip.getnframes() / 16000 <= 1.2, stem
        assert pcm.rms(pcm.from_wav((CLIPS_DIR / f"{stem}.wav").read_bytes())) > SPEECH_RMS, stem


def test_one_call_is_a_plausible_length_and_loud() -> None:
    announcer = Announcer(ClipEngine(), repeat=1)
    data = announcer.render(CALL)
    with wave.open(io.BytesIO(data)) as parsed:
        assert (parsed.getnchannels(), parsed.getsampwidth(), parsed.getframerate()) == (1, 2, 16000)
        seconds = parsed.getnframes() / 16000
    assert 3.0 <= seconds <= 7.0
    samples = pcm.from_wav(data)
    speech = samples[round(announcer.lead_s * 16000) : -round(announcer.tail_s * 16000)]
    assert pcm.rms(speech) > SPEECH_RMS


def test_silence_where_expected() -> None:
    engine = ClipEngine()
    announcer = Announcer(engine, repeat=2, repeat_gap_s=1.0, lead_s=0.2, tail_s=0.3)
    samples = announcer.render_samples(CALL)
    speech = engine.speak(call_tokens(CALL))
    lead, gap, tail = 3200, 16000, 4800

    assert len(samples) == lead + 2 * len(speech) + gap + tail
    assert not samples[:lead].any()
    assert not samples[lead + len(speech) : lead + len(speech) + gap].any()
    assert not samples[-tail:].any()
    assert np.array_equal(samples[lead + len(speech) + gap : -tail], speech), "the repeat is the same call"

    # The phrase break after 号 is a full pause of silence, the word gaps are short ones.
    tokens = call_tokens(CALL)
    before_pause = tokens[: tokens.index(PAUSE)]
    offset = sum(len(engine.clip(token)) for token in before_pause) + (len(before_pause) - 1) * 800
    assert not speech[offset : offset + round(engine.pause_s * 16000)].any()
    first_gap = len(engine.clip(tokens[0]))
    assert not speech[first_gap : first_gap + 800].any()
    assert pcm.rms(speech[offset + round(engine.pause_s * 16000) :][:1600]) > 0


def test_recall_is_longer_by_the_word_again() -> None:
    engine = ClipEngine()
    first = Announcer(engine, repeat=1).render_samples(CALL)
    again = Announcer(engine, repeat=1).render_samples(Call("A012", 5, recall=True))
    assert len(again) - len(first) == len(engine.clip("再次")) + 800


def test_a_missing_clip_is_named(tmp_path: Path) -> None:
    for stem in ("qing", "hao"):
        shutil.copy(CLIPS_DIR / f"{stem}.wav", tmp_path)
    engine = ClipEngine(tmp_path)
    assert "digit0.wav" in engine.missing() and "qing.wav" not in engine.missing()
    with pytest.raises(VoiceClipMissingError) as raised:
        Announcer(engine).render(CALL)
    assert raised.value.code == "VOICE_NO_CLIP"
    assert raised.value.message == "缺少语音片段：A"


def test_a_halls_own_recordings_at_another_rate(tmp_path: Path) -> None:
    """Human recordings come as 44.1 kHz stereo; they are converted on load and the call is 16 kHz mono."""
    t = np.arange(int(0.3 * 44100)) / 44100
    voice = (6000 * np.sin(2 * np.pi * 220 * t)).astype("<i2")
    for stem in CLIP_NAMES.values():
        with wave.open(str(tmp_path / f"{stem}.wav"), "wb") as out:
            out.setnchannels(2)
            out.setsampwidth(2)
            out.setframerate(44100)
            out.writeframes(np.column_stack([voice, voice]).tobytes())
    samples = Announcer(ClipEngine(tmp_path), repeat=1, lead_s=0, tail_s=0).render_samples(CALL)
    words = len([token for token in call_tokens(CALL) if token != PAUSE])
    expected = words * 4800 + (words - 2) * 800 + 4800
    assert abs(len(samples) - expected) <= words
