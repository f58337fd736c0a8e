"""The announcement queue: calls spoken one after another, a chime when speech fails, quiet hours."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pytest

from devices.voice import pcm
from devices.voice.announcer import Announcer, make_engine
from devices.voice.calls import Call
from devices.voice.clips import ClipEngine
from devices.voice.player import RecordingAudioOut, SystemAudioOut
from display.voice import QuietHours, VoiceQueue, chime, scaled
from tests.display.conftest import wait_for


def run_queue(queue: VoiceQueue, *calls: Call) -> list[dict]:
    queue.start()
    try:
        for call in calls:
            queue.submit(call)
        wait_for(queue.idle, what="the queue to empty")
        return queue.log()
    finally:
        queue.stop()


def test_two_calls_at_once_are_spoken_in_turn():
    out = RecordingAudioOut()
    log = run_queue(
        VoiceQueue(Announcer(make_engine("clips"), repeat=1), out), Call("A012", 5), Call("B003", 2)
    )
    assert [(e["ticket"], e["outcome"]) for e in log] == [("A012", "spoken"), ("B003", "spoken")]
    first, second = log
    assert first["started_at"] <= first["ended_at"] <= second["started_at"] <= second["ended_at"]
    assert len(out.recordings()) == 2 and all(pcm.rms(s) > 100 for s in out.recordings())
    assert first["seconds"] > 2 and first["rms"] > 100


def test_the_system_player_plays_them_in_turn_too():
    out = SystemAudioOut("null")
    log = run_queue(
        VoiceQueue(Announcer(make_engine("clips"), repeat=1), out), Call("A001", 1), Call("A002", 2)
    )
    assert [e["outcome"] for e in log] == ["spoken", "spoken"]
    assert log[0]["ended_at"] <= log[1]["started_at"]


def test_a_pc_without_a_sound_output_is_not_logged_as_spoken():
    out = SystemAudioOut("no-such-sound-device")
    log = run_queue(VoiceQueue(Announcer(make_engine("clips"), repeat=1), out), Call("A001", 1))
    assert [e["outcome"] for e in log] == ["no_sound"]
    assert log[0]["error"].startswith("no sound output")


def test_speech_that_fails_plays_a_chime(tmp_path: Path):
    out = RecordingAudioOut()
    broken = Announcer(ClipEngine(tmp_path))  # a hall's own recordings, missing
    [entry] = run_queue(VoiceQueue(broken, out), Call("A012", 5))
    assert entry["outcome"] == "chime" and "speech" in entry["error"]
    [played] = out.recordings()
    assert pcm.rms(played) > 100 and abs(pcm.duration(played) - pcm.duration(chime())) < 0.01


@pytest.mark.parametrize(
    ("clock", "quiet"), [(time(23, 30), True), (time(6, 59), True), (time(7, 0), False), (time(12, 0), False)]
)
def test_quiet_hours_keep_the_voice_silent(clock: time, quiet: bool):
    out = RecordingAudioOut()
    hours = QuietHours.parse("22:00-07:00")
    queue = VoiceQueue(
        Announcer(make_engine("clips"), repeat=1),
        out,
        quiet=hours,
        now=lambda: datetime(2026, 3, 2, clock.hour, clock.minute).astimezone(),
    )
    [entry] = run_queue(queue, Call("A012", 5))
    assert entry["outcome"] == ("quiet" if quiet else "spoken")
    assert len(out.recordings()) == (0 if quiet else 1)


def test_quiet_hours_are_parsed_strictly():
    assert str(QuietHours.parse("08:00-12:30")) == "08:00-12:30"
    assert not QuietHours.parse("08:00-08:00").covers(time(8, 0))
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        QuietHours.parse("22")


def test_volume_scales_the_samples():
    tone = chime()
    assert pcm.rms(scaled(tone, 50)) == pytest.approx(pcm.rms(tone) / 2, rel=0.01)
    assert pcm.rms(scaled(tone, 0)) == 0
