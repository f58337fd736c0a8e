"""The announcements: every call heard live is queued and spoken by one player thread, one after another,
never overlapped. Fully offline: devices.voice renders the speech from local clips (or espeak-ng) and
devices.voice.player plays it on the PC's sound output. Quiet hours: nothing is played (the call still
shows). Speech that cannot be rendered or played: a chime instead, and the call still shows.

The log (the last LOG_SIZE announcements, with when each was queued, started and ended, and the loudness of
what was played) is the service's GET /announcements, for diagnosis and for the tests.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

import numpy as np

from devices.voice import pcm
from devices.voice.announcer import Announcer
from devices.voice.calls import Call
from devices.voice.player import AudioOut

log = logging.getLogger("yimen.display.voice")

LOG_SIZE = 200
QUEUE_SIZE = 50  # calls waiting to be spoken; beyond that the oldest waiting is dropped (outcome "dropped")


class Outcome:
    SPOKEN = "spoken"
    CHIME = "chime"
    QUIET = "quiet"
    DROPPED = "dropped"
    FAILED = "failed"  # not even the chime could be played
    NO_SOUND = "no_sound"  # rendered, but the PC has no working sound output: nobody heard it


@dataclass(frozen=True)
class QuietHours:
    """A daily span without voice, e.g. 22:00-07:00 (may cross midnight). Equal ends: never quiet."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        try:
            first, second = text.split("-")
            return cls(time.fromisoformat(first.strip()), time.fromisoformat(second.strip()))
        except ValueError as exc:
            raise ValueError(f"静音时段格式应为 HH:MM-HH:MM，例如 22:00-07:00：{text!r}") from exc

    def covers(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def chime() -> pcm.Samples:
    """Two soft bell tones (E5 then C5) with a decaying envelope: the call is here, look at the screen."""
    parts = [pcm.silence(0.1)]
    for frequency in (659.25, 523.25):
        t = np.arange(round(0.6 * pcm.SAMPLE_RATE)) / pcm.SAMPLE_RATE
        envelope = np.exp(-4.0 * t) * np.minimum(1.0, t / 0.01)
        tone = 0.5 * np.sin(2 * np.pi * frequency * t) + 0.15 * np.sin(4 * np.pi * frequency * t)
        parts.append(np.round(tone * envelope * 12000).astype(np.int16))
    parts.append(pcm.silence(0.2))
    return pcm.join(parts)


def scaled(samples: pcm.Samples, volume: int) -> pcm.Samples:
    """PCM at `volume` percent (0–100)."""
    if volume >= 100:
        return samples
    return np.round(samples.astype(np.float64) * (max(volume, 0) / 100)).astype(np.int16)


@dataclass
class Announcement:
    ticket: str
    window: int
    recall: bool
    queued_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: str = ""  # "" while waiting or playing
    error: str = ""
    seconds: float = 0.0  # length of what was played
    rms: float = 0.0  # its loudness (0: silence)
    id: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ticket": self.ticket,
            "window": self.window,
            "recall": self.recall,
            "queued_at": self.queued_at.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "outcome": self.outcome,
            "error": self.error,
            "seconds": round(self.seconds, 3),
            "rms": round(self.rms, 1),
        }


@dataclass
class VoiceQueue:
    announcer: Announcer
    out: AudioOut
    volume: int = 100
    quiet: QuietHours | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())
    log_size: int = LOG_SIZE

    def __post_init__(self) -> None:
        self._queue: queue.Queue[Announcement | None] = queue.Queue()
        self._log: deque[Announcement] = deque(maxlen=self.log_size)
        self._lock = threading.Lock()
        self._next_id = 0
        self._chime = chime()
        self._thread = threading.Thread(target=self._run, name="display-voice", daemon=True)
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def stop(self) -> None:
        if self._started:
            self.out.stop()
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._started = False

    def submit(self, call: Call) -> Announcement:
        with self._lock:
            self._next_id += 1
            entry = Announcement(call.ticket, call.window, call.recall, self.now(), id=self._next_id)
            self._log.append(entry)
        if self._queue.qsize() >= QUEUE_SIZE:
            self._drop_oldest()
        self._queue.put(entry)
        return entry

    def log(self) -> list[dict[str, Any]]:
        with self._lock:
            return [entry.as_json() for entry in self._log]

    def idle(self) -> bool:
        """Nothing waiting and nothing playing."""
        with self._lock:
            return all(entry.outcome for entry in self._log)

    def _drop_oldest(self) -> None:
        try:
            oldest = self._queue.get_nowait()
        except queue.Empty:
            return
        if oldest is not None:
            self._finish(oldest, Outcome.DROPPED, started=False)

    def _run(self) -> None:
        while True:
            entry = self._queue.get()
            if entry is None:
                return
            try:
                self._announce(entry)
            except Exception as exc:  # the player thread must survive anything
                log.exception("announcement failed")
                entry.error = str(exc)
                self._finish(entry, Outcome.FAILED, started=True)

    def _announce(self, entry: Announcement) -> None:
        if self.quiet is not None and self.quiet.covers(self.now().time()):
            self._finish(entry, Outcome.QUIET, started=False)
            return
        call = Call(entry.ticket, entry.window, entry.recall)
        try:
            speech = self.announcer.render_samples(call)
            if pcm.rms(speech) < 1:
                raise RuntimeError("合成结果没有声音")
        except Exception as exc:
            log.warning("speech failed for %s → %s: %s; playing the chime", entry.ticket, entry.window, exc)
            entry.error = f"speech: {exc}"
            self._play(entry, self._chime, Outcome.CHIME)
            return
        try:
            self._play(entry, speech, Outcome.SPOKEN)
        except Exception as exc:
            log.warning("playing the speech failed: %s; playing the chime", exc)
            entry.error = f"playback: {exc}"
            self._play(entry, self._chime, Outcome.CHIME)

    def _play(self, entry: Announcement, samples: pcm.Samples, outcome: str) -> None:
        samples = scaled(samples, self.volume)
        with self._lock:
            entry.started_at = self.now()
            entry.seconds = pcm.duration(samples)
            entry.rms = pcm.rms(samples)
        self.out.play(samples)
        silent = getattr(self.out, "silent_reason", "")  # SystemAudioOut: aplay could not open the output
        if silent:
            entry.error = f"no sound output: {silent}"
            outcome = Outcome.NO_SOUND
        self._finish(entry, outcome, started=True)

    def _finish(self, entry: Announcement, outcome: str, *, started: bool) -> None:
        with self._lock:
            moment = self.now()
            if not started:
                entry.started_at = None
            entry.ended_at = moment
            entry.outcome = outcome
