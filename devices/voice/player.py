"""Where speech goes: the PC's sound output (aplay or paplay), or a recording (headless runs, tests).

Shared by the kiosk (its spoken steps) and the hall display (its calls). `play` blocks until the sound has
ended, so a caller that plays one sound after another never overlaps them.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Callable
from typing import Protocol

from devices.voice import pcm

log = logging.getLogger(__name__)


class AudioOut(Protocol):
    """Where speech goes. `play` blocks until the sound ended or `stop` (from another thread) cut it."""

    def play(self, samples: pcm.Samples) -> None: ...

    def stop(self) -> None: ...


class SystemAudioOut:
    """The PC's sound output: WAV piped to `aplay -q` (ALSA; `device` for -D) or raw PCM to `paplay`
    (PulseAudio/PipeWire). Without either, or when the player cannot open the sound output (a PC without a
    sound card: aplay exits at once with an error), it logs once, tells `on_silent` why, and plays nothing
    from then on: the app works on, mute."""

    def __init__(self, device: str = "", on_silent: Callable[[str], None] | None = None) -> None:
        self.command = self._player(device)
        self.on_silent = on_silent
        self.silent_reason = "" if self.command else "neither aplay nor paplay is installed"
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = False
        self._lock = threading.Lock()
        self._warned = False

    @staticmethod
    def _player(device: str) -> list[str] | None:
        if aplay := shutil.which("aplay"):
            return [aplay, "-q", *(["-D", device] if device else []), "-"]
        if paplay := shutil.which("paplay"):
            raw = [f"--rate={pcm.SAMPLE_RATE}", "--channels=1", "--format=s16le"]
            return [paplay, "--raw", *raw]
        return None

    @property
    def available(self) -> bool:
        return self.command is not None

    def play(self, samples: pcm.Samples) -> None:
        if self.command is None or self.silent_reason:
            self._go_silent(self.silent_reason)
            return
        data = pcm.to_wav(samples) if "-q" in self.command else samples.astype("<i2").tobytes()
        with self._lock:
            self._stopped = False
            self._process = subprocess.Popen(  # noqa: S603 - a fixed player found by shutil.which
                self.command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            process = self._process
        assert process.stdin is not None and process.stderr is not None
        try:
            process.stdin.write(data)
            process.stdin.close()
        except (BrokenPipeError, ValueError):
            pass  # stopped while we were writing, or the player gave up at once (no sound card)
        errors = process.stderr.read().decode(errors="replace")
        if process.wait() != 0 and not self._stopped:
            last_line = next((line for line in reversed(errors.splitlines()) if line.strip()), "")
            self._go_silent(last_line or f"exit status {process.returncode}")

    def _go_silent(self, reason: str) -> None:
        self.silent_reason = reason
        if self._warned:
            return
        self._warned = True
        log.warning("no sound output (%s): the voice stays silent", reason)
        if self.on_silent is not None:
            self.on_silent(reason)

    def stop(self) -> None:
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                self._stopped = True
                self._process.terminate()


class RecordingAudioOut:
    """Keeps what would have been played (a headless kiosk, a demo without speakers, the tests)."""

    def __init__(self) -> None:
        self.played: list[pcm.Samples] = []
        self._lock = threading.Lock()

    def play(self, samples: pcm.Samples) -> None:
        with self._lock:
            self.played.append(samples)

    def stop(self) -> None:
        """Nothing plays for long enough here to be cut."""

    def recordings(self) -> list[pcm.Samples]:
        with self._lock:
            return list(self.played)
