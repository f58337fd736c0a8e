"""Property tests: the frame parser against random noise, random frames and random splits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from devices.idcard import protocol
from devices.idcard.protocol import PREAMBLE, CorruptFrame, Frame, FrameParser

# Noise rich in preamble bytes, so that near-misses (AA AA 96 69, AA AA AA 96, ...) are common.
NOISE_BYTE = st.one_of(st.sampled_from([0xAA, 0x96, 0x69, 0x00, 0xFF]), st.integers(0, 255))
NOISE = st.lists(NOISE_BYTE, max_size=40).map(bytes).filter(lambda noise: PREAMBLE not in noise)
BODY = st.binary(min_size=2, max_size=300)
CLEAN_BODY = BODY.filter(lambda body: PREAMBLE not in body)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def feed_all(chunks: list[bytes]) -> list[Frame | CorruptFrame]:
    parser = FrameParser()
    found: list[Frame | CorruptFrame] = []
    for chunk in chunks:
        found += parser.feed(chunk)
    return found


@given(
    pieces=st.lists(st.tuples(NOISE, BODY), max_size=6),
    tail=NOISE,
    cuts=st.lists(st.integers(0, 10_000), max_size=30),
)
def test_frames_survive_noise_and_any_split(
    pieces: list[tuple[bytes, bytes]], tail: bytes, cuts: list[int]
) -> None:
    stream = b"".join(noise + protocol.encode_frame(body) for noise, body in pieces) + tail
    assert feed_all(split(stream, cuts)) == [Frame(body) for _, body in pieces]


@given(
    bodies=st.lists(CLEAN_BODY, min_size=1, max_size=5),
    corrupt_index=st.integers(0, 4),
    cuts=st.lists(st.integers(0, 10_000), max_size=20),
)
def test_a_corrupt_frame_is_reported_and_the_others_recovered(
    bodies: list[bytes], corrupt_index: int, cuts: list[int]
) -> None:
    corrupt_index %= len(bodies)
    frames = [protocol.encode_frame(body) for body in bodies]
    frames[corrupt_index] = frames[corrupt_index][:-1] + bytes([frames[corrupt_index][-1] ^ 0x5A])
    found = feed_all(split(b"".join(frames), cuts))
    expected: list[Frame | CorruptFrame] = [Frame(body) for body in bodies]
    bad = bodies[corrupt_index]
    checksum = protocol.checksum((len(bad) + 1).to_bytes(2, "big") + bad)
    expected[corrupt_index] = CorruptFrame(bad, checksum ^ 0x5A, checksum)
    assert found == expected


@given(junk=st.lists(st.binary(max_size=200), max_size=20))
def test_arbitrary_bytes_never_raise_and_the_buffer_stays_bounded(junk: list[bytes]) -> None:
    parser = FrameParser()
    for chunk in junk:
        for item in parser.feed(chunk):
            assert isinstance(item, Frame | CorruptFrame)
        assert parser.pending <= protocol.HEADER_SIZE + protocol.MAX_LENGTH


@given(noise=NOISE, body=BODY)
def test_a_frame_after_noise_is_found_even_byte_by_byte(noise: bytes, body: bytes) -> None:
    stream = noise + protocol.encode_frame(body)
    assert feed_all([bytes([byte]) for byte in stream]) == [Frame(body)]
