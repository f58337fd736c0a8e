"""The PCM helpers: WAV in and out, conversion to 16 kHz mono, trimming."""

from __future__ import annotations

import io
import wave

import numpy as np

from devices.voice import pcm


def wav_bytes(samples: np.ndarray, rate: int, channels: int = 1, width: int = 2) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def tone(freq: float, seconds: float, rate: int, amplitude: float = 8000) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype("<i2")


def dominant_frequency(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.argmax(spectrum) * pcm.SAMPLE_RATE / len(samples))


def test_round_trip_is_exact_at_16k() -> None:
    samples = tone(440, 0.5, pcm.SAMPLE_RATE).astype(np.int16)
    data = pcm.to_wav(samples)
    with wave.open(io.BytesIO(data)) as parsed:
        assert (parsed.getnchannels(), parsed.getsampwidth(), parsed.getframerate()) == (1, 2, 16000)
    assert np.array_equal(pcm.from_wav(data), samples)


def test_espeak_rate_is_converted_keeping_pitch_and_length() -> None:
    converted = pcm.from_wav(wav_bytes(tone(440, 1.0, 22050), 22050))
    assert abs(len(converted) - 16000) <= 1
    assert abs(dominant_frequency(converted) - 440) < 2


def test_tones_above_the_new_nyquist_are_filtered_not_folded() -> None:
    """A 10 kHz tone at 44.1 kHz cannot exist at 16 kHz; without the low-pass it would alias to 6 kHz."""
    converted = pcm.from_wav(wav_bytes(tone(10_000, 0.5, 44_100), 44_100))
    assert pcm.rms(converted) < 8000 / np.sqrt(2) * 0.05


def test_stereo_and_8_bit_become_mono_16_bit() -> None:
    left = tone(300, 0.25, 16000)
    stereo = np.column_stack([left, left]).reshape(-1)
    assert np.allclose(pcm.from_wav(wav_bytes(stereo, 16000, channels=2)), left, atol=1)
    eight_bit = (tone(300, 0.25, 16000).astype(np.int32) // 256 + 128).astype(np.uint8)
    converted = pcm.from_wav(wav_bytes(eight_bit, 16000, width=1))
    assert converted.dtype == np.int16 and abs(pcm.rms(converted) - pcm.rms(left)) < 200


def test_trim_keeps_the_loud_part_and_a_small_margin() -> None:
    loud = tone(500, 0.2, pcm.SAMPLE_RATE).astype(np.int16)
    padded = np.concatenate([pcm.silence(0.5), loud, pcm.silence(0.7)])
    trimmed = pcm.trim(padded)
    assert 0.2 <= pcm.duration(trimmed) <= 0.2 + 2 * pcm.TRIM_MARGIN_S + 0.001
    assert len(pcm.trim(pcm.silence(1.0))) == 0
