"""Mono 16-bit PCM at 16 kHz: the one audio format of the voice package, and WAV bytes in and out.

Every engine hands back `Samples` (int16, 16 kHz, mono); clips of another rate or width are converted on load,
so the display always receives the same kind of WAV.
"""

from __future__ import annotations

import io
import wave

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16_000
Samples = npt.NDArray[np.int16]
FILTER_TAPS = 63
SILENCE_LEVEL = 300  # int16 amplitude under which a clip's head and tail count as silence
TRIM_MARGIN_S = 0.01  # kept around the loud part so that a consonant's onset is not clipped


def silence(seconds: float) -> Samples:
    return np.zeros(round(seconds * SAMPLE_RATE), np.int16)


def duration(samples: Samples) -> float:
    return len(samples) / SAMPLE_RATE


def rms(samples: Samples) -> float:
    if len(samples) == 0:
        return 0.0
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def to_wav(samples: Samples) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.astype("<i2").tobytes())
    return buffer.getvalue()


def from_wav(data: bytes) -> Samples:
    """Any PCM WAV (8/16-bit, mono or stereo, any rate) as 16 kHz mono int16."""
    with wave.open(io.BytesIO(data), "rb") as source:
        channels, width, rate = source.getnchannels(), source.getsampwidth(), source.getframerate()
        frames = source.readframes(source.getnframes())
    if width == 1:
        values = (np.frombuffer(frames, np.uint8).astype(np.int16) - 128) << 8
    elif width == 2:
        values = np.frombuffer(frames, "<i2").astype(np.int16)
    else:
        raise ValueError(f"{width * 8}-bit WAV is not supported; use 8 or 16-bit PCM")
    mono = values.reshape(-1, channels).mean(axis=1) if channels > 1 else values.astype(np.float64)
    return resample(mono, rate)


def resample(values: npt.NDArray[np.floating] | Samples, rate: int) -> Samples:
    """To SAMPLE_RATE: low-pass below the lower Nyquist frequency (windowed sinc), then interpolate."""
    signal = np.asarray(values, np.float64)
    if rate != SAMPLE_RATE and len(signal) > 0:
        if rate > SAMPLE_RATE:
            cutoff = 0.45 * SAMPLE_RATE / rate  # as a fraction of the source rate
            taps = np.arange(FILTER_TAPS) - (FILTER_TAPS - 1) / 2
            kernel = 2 * cutoff * np.sinc(2 * cutoff * taps) * np.hamming(FILTER_TAPS)
            signal = np.convolve(signal, kernel / kernel.sum(), mode="same")
        positions = np.arange(round(len(signal) * SAMPLE_RATE / rate)) * rate / SAMPLE_RATE
        signal = np.interp(positions, np.arange(len(signal)), signal)
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


def trim(samples: Samples, level: int = SILENCE_LEVEL) -> Samples:
    """Without the silence before the first and after the last loud sample (less a small margin)."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > level)
    if len(loud) == 0:
        return samples[:0]
    margin = round(TRIM_MARGIN_S * SAMPLE_RATE)
    return samples[max(0, loud[0] - margin) : loud[-1] + 1 + margin]


def join(parts: list[Samples]) -> Samples:
    return np.concatenate(parts) if parts else silence(0)
