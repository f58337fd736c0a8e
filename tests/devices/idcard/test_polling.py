"""Card placed / read / removed reported once per card, however often the reader is polled."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.idcard import protocol
from devices.idcard.cards import CARDS, sim_card
from devices.idcard.errors import CardReadError, FrameChecksumError, SamUnusableError
from devices.idcard.protocol import Sw3
from devices.idcard.reader import (
    CardPlaced,
    CardRead,
    CardReadFailed,
    CardRemoved,
    ReaderAvailable,
    ReaderEvent,
    ReaderUnavailable,
    SamReader,
)
from devices.idcard.simulator import Faults, IdCardSimulator
from devices.transport import RunningSimulator, start_pty_simulator

from .conftest import MakeRig, Rig

POLLS = 6


def poll_many(rig: Rig, times: int = POLLS) -> list[object]:
    return [event for event in (rig.reader.poll() for _ in range(times)) if event is not None]


def test_each_card_is_placed_read_and_removed_once(rig: Rig) -> None:
    assert poll_many(rig) == []
    rig.simulator.place(sim_card("resident_male"))
    assert poll_many(rig) == [CardPlaced(), CardRead(CARDS["resident_male"])]
    rig.simulator.remove()
    assert poll_many(rig) == [CardRemoved()]
    rig.simulator.place(sim_card("hmt_permit"))
    assert poll_many(rig) == [CardPlaced(), CardRead(CARDS["hmt_permit"])]
    reads = [request for request in rig.simulator.requests() if request.command == protocol.READ]
    assert len(reads) == 2


def test_a_read_failure_is_reported_once_and_not_retried_until_the_card_comes_back(rig: Rig) -> None:
    rig.faults.read_failures = 1
    rig.simulator.place(sim_card("resident_male"))
    events = poll_many(rig)
    assert events[0] == CardPlaced()
    assert isinstance(events[1], CardReadFailed)
    assert isinstance(events[1].error, CardReadError)
    assert events[1].error.code == "IDCARD_READ_FAILED"
    assert len(events) == 2
    rig.simulator.remove()
    assert poll_many(rig) == [CardRemoved()]
    rig.simulator.place(sim_card("resident_male"))
    assert poll_many(rig) == [CardPlaced(), CardRead(CARDS["resident_male"])]


def test_a_corrupt_answer_during_the_read_is_a_read_failure(rig: Rig) -> None:
    rig.simulator.place(sim_card("foreign_pr_old"))
    assert rig.reader.poll() == CardPlaced()
    rig.faults.corrupt_responses = 1
    event = rig.reader.poll()
    assert isinstance(event, CardReadFailed)
    assert isinstance(event.error, FrameChecksumError)
    assert poll_many(rig) == []


def test_a_card_gone_before_select_is_reported_removed(rig: Rig) -> None:
    rig.simulator.place(sim_card("resident_male"))
    assert rig.reader.poll() == CardPlaced()
    rig.simulator.remove()
    assert poll_many(rig) == [CardRemoved()]


def test_a_reader_that_stops_finding_a_read_card_does_not_report_it_removed(make_rig: MakeRig) -> None:
    rig = make_rig(faults=Faults(quiet_after_read=True))
    rig.simulator.place(sim_card("foreign_pr_2023"))
    assert poll_many(rig) == [CardPlaced(), CardRead(CARDS["foreign_pr_2023"])]
    assert rig.reader.find_card() is False  # the reader's quirk: the card is there but not found
    assert poll_many(rig) == []
    rig.simulator.remove()
    assert poll_many(rig) == [CardRemoved()]


def test_select_is_retried_then_reported_once(rig: Rig) -> None:
    rig.faults.select_failures = 2
    rig.simulator.place(sim_card("resident_male"))
    assert poll_many(rig) == [CardPlaced(), CardRead(CARDS["resident_male"])]
    rig.simulator.remove()
    assert poll_many(rig) == [CardRemoved()]
    rig.faults.select_failures = 10
    rig.simulator.place(sim_card("resident_male"))
    events = poll_many(rig)
    assert events[0] == CardPlaced()
    assert isinstance(events[1], CardReadFailed)
    assert events[1].error.code == "IDCARD_SELECT_FAILED"
    assert len(events) == 2


def test_a_failed_sam_is_raised_from_poll(make_rig: MakeRig) -> None:
    rig = make_rig("resident_male", faults=Faults(sam=Sw3.SAM_SELFTEST_FAILED))
    with pytest.raises(SamUnusableError):
        rig.reader.poll()


class Watcher:
    """Runs reader.watch() in a thread and hands its events over a queue."""

    def __init__(self, reader: SamReader) -> None:
        self.stop = threading.Event()
        self.events: queue.Queue[ReaderEvent] = queue.Queue()
        self.thread = threading.Thread(target=self._run, args=(reader,), daemon=True)
        self.thread.start()

    def _run(self, reader: SamReader) -> None:
        for event in reader.watch(self.stop, interval=0.01, retry_interval=0.02):
            self.events.put(event)

    def next(self, timeout: float = 0.5) -> ReaderEvent:
        return self.events.get(timeout=timeout)

    def quiet_for(self, seconds: float) -> ReaderEvent | None:
        """None if no event came within `seconds` (else the event, for the assertion message)."""
        try:
            return self.events.get(timeout=seconds)
        except queue.Empty:
            return None

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=1)


@pytest.fixture
def watcher_of() -> Iterator[type[Watcher]]:
    watchers: list[Watcher] = []

    class Tracked(Watcher):
        def __init__(self, reader: SamReader) -> None:
            super().__init__(reader)
            watchers.append(self)

    yield Tracked
    for watcher in watchers:
        watcher.close()


class Socket:
    """A simulator behind a stable device path, like /dev/serial/by-id/...: a symlink to its pty.

    Unplugging removes the path first, as udev does, so that a reader reopening it cannot reach a pty
    number that another test process has been given in the meantime."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.running: list[RunningSimulator] = []

    def plug(self, card: str) -> IdCardSimulator:
        simulator = IdCardSimulator(sim_card(card), pace=False)
        self.running.append(start_pty_simulator(simulator, "idcard-socket"))
        self.path.symlink_to(self.running[-1].endpoint)
        return simulator

    def unplug(self) -> None:
        self.path.unlink()
        self.running[-1].unplug()

    def reader(self) -> SamReader:
        return SamReader(str(self.path), timeout=0.3, read_timeout=0.5)

    def close(self) -> None:
        for running in self.running:
            running.stop()


@pytest.fixture
def socket(tmp_path: Path) -> Iterator[Socket]:
    socket = Socket(tmp_path / "ttyIDCARD")
    yield socket
    socket.close()


def test_watch_reports_cards_and_an_unplug_once(socket: Socket, watcher_of: type[Watcher]) -> None:
    simulator = socket.plug("resident_longterm")
    reader = socket.reader()
    watcher = watcher_of(reader)
    assert watcher.next() == CardPlaced()
    assert watcher.next() == CardRead(CARDS["resident_longterm"])
    assert watcher.quiet_for(0.1) is None
    simulator.remove()
    assert watcher.next() == CardRemoved()
    socket.unplug()
    event = watcher.next()
    assert isinstance(event, ReaderUnavailable)
    assert event.error.code == "IDCARD_UNAVAILABLE"
    assert watcher.quiet_for(0.2) is None
    watcher.close()
    reader.close()


def test_watch_reports_a_failed_sam_once_and_its_recovery(
    make_rig: MakeRig, watcher_of: type[Watcher]
) -> None:
    rig = make_rig("resident_male", faults=Faults(sam=Sw3.SAM_SELFTEST_FAILED))
    watcher = watcher_of(rig.reader)
    event = watcher.next()
    assert isinstance(event, ReaderUnavailable)
    assert event.error.code == "IDCARD_SAM_SELFTEST_FAILED"
    assert watcher.quiet_for(0.1) is None
    rig.faults.sam = None
    assert watcher.next() == ReaderAvailable()
    assert watcher.next() == CardPlaced()
    assert watcher.next() == CardRead(CARDS["resident_male"])


def test_watch_reopens_the_port_when_the_reader_comes_back(socket: Socket, watcher_of: type[Watcher]) -> None:
    """A USB reader unplugged and plugged back appears at the same path."""
    socket.plug("resident_male")
    reader = socket.reader()
    watcher = watcher_of(reader)
    assert watcher.next() == CardPlaced()
    assert watcher.next() == CardRead(CARDS["resident_male"])
    socket.unplug()
    assert isinstance(watcher.next(), ReaderUnavailable)
    assert watcher.quiet_for(0.05) is None
    socket.plug("hmt_permit")
    assert watcher.next() == ReaderAvailable()
    assert watcher.next() == CardPlaced()
    assert watcher.next() == CardRead(CARDS["hmt_permit"])
    watcher.close()
    reader.close()
