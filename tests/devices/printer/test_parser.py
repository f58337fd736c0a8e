"""The simulator's ESC/POS parser: known commands, any split of the stream, random garbage."""

from __future__ import annotations

import itertools

from hypothesis import example, given, settings
from hypothesis import strategies as st

from devices.printer import compose
from devices.printer.escpos_parser import EscposParser
from devices.printer.profiles import PROFILES
from devices.printer.samples import TICKET
from devices.printer.simulator import EscposSimulator

JOB = compose.ticket_job(TICKET, PROFILES["generic58"])


def test_known_commands():
    stream = (
        b"\x1b\x40\x1c\x26\x1b\x61\x01\x1d\x21\x11"
        + "号".encode("gb18030")
        + b"\n\x10\x04\x04\x1d\x56\x41\x03"
    )
    commands = EscposParser().feed(stream)
    assert [c.name for c in commands] == [
        "init",
        "chinese_on",
        "align",
        "size",
        "text",
        "lf",
        "status",
        "cut",
    ]
    assert commands[2].args == (1,)
    assert commands[4].data == b"\xba\xc5"
    assert commands[6].args == (4,)
    assert commands[7].args == (0x41, 3)


def test_raster_header_and_payload():
    raster = b"\x1d\x76\x30\x00\x02\x00\x03\x00" + bytes(range(6))
    (command,) = EscposParser().feed(raster)
    assert command.name == "raster"
    assert command.args == (0, 2, 3)
    assert command.data == bytes(range(6))


def test_incomplete_command_waits_for_the_rest():
    parser = EscposParser()
    assert parser.feed(b"\x1d\x76\x30\x00\x02\x00\x03\x00\x00") == []
    assert parser.pending == 9
    assert [c.name for c in parser.feed(bytes(5) + b"\n")] == ["raster", "lf"]


def whole(data: bytes) -> list[tuple[str, bytes]]:
    return [(c.name, c.raw) for c in EscposParser().feed(data) if c.name != "text"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, len(JOB) - 1), max_size=30))
def test_any_split_of_a_job_prints_the_same_ticket(cuts):
    bounds = [0, *sorted(set(cuts)), len(JOB)]
    simulator = EscposSimulator(width_dots=384)
    for start, end in itertools.pairwise(bounds):
        simulator.receive(JOB[start:end])
    assert simulator.errors == []
    assert len(simulator.pages) == 1
    assert TICKET.matter in simulator.pages[0].lines
    assert [(c.name, c.raw) for c in EscposParser().feed(JOB) if c.name != "text"] == whole(JOB)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=300))
@example(b"\x1d(k\x00\x00", b"")  # a 2D code command too short to name its function
@example(b"\x1d(k\x02\x001C", b"")  # QR module size without the size
@example(b"\x1d(k\x03\x001P0", b"\x1d(k\x03\x001Q0")  # store nothing, print it
def test_garbage_never_raises_and_no_byte_is_lost(garbage, more):
    parser = EscposParser()
    commands = parser.feed(garbage) + parser.feed(more)
    assert sum(len(c.raw) for c in commands) + parser.pending == len(garbage) + len(more)
    simulator = EscposSimulator(strict=False)
    simulator.receive(garbage)
    simulator.receive(more)
