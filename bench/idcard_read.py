"""Card placed → identity decoded, at 115200 baud, through the real driver and the paced simulator over a pty.

The simulator holds every byte back until a UART at 115200 baud (10 bits a byte) would have delivered it, so
the wire alone needs 0.113 s for a read (10-byte request + 1295-byte answer) and 0.118 s for the whole
sequence find → select → read. The table shows what we take on top of that.

    .venv/bin/python bench/idcard_read.py [--rounds 50] [--interval 0.5]
"""

from __future__ import annotations

import argparse
import queue
import random
import statistics
import threading
import time

from devices.idcard import protocol
from devices.idcard.cards import sim_card
from devices.idcard.layouts import decode_card
from devices.idcard.reader import CardRead, CardRemoved, ReaderEvent, SamReader
from devices.idcard.simulator import IdCardSimulator
from devices.transport import start_pty_simulator

BAUD = 115200
CARD = "resident_male"
READ_BYTES = 10 + 1295
SEQUENCE_BYTES = (10 + 15) + (10 + 19) + READ_BYTES  # find, select, read


def percentile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def time_read_alone(reader: SamReader, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        assert reader.find_card()
        reader.select_card()
        started = time.perf_counter()
        reader.read_card()
        samples.append(time.perf_counter() - started)
    return samples


def time_placed_to_decoded(
    simulator: IdCardSimulator, reader: SamReader, rounds: int, interval: float
) -> list[float]:
    events: queue.Queue[tuple[float, ReaderEvent]] = queue.Queue()
    stop = threading.Event()

    def watch() -> None:
        for event in reader.watch(stop, interval=interval):
            events.put((time.perf_counter(), event))

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    samples = []
    try:
        for _ in range(rounds):
            time.sleep(random.uniform(0, interval))  # place the card at a random point of the poll cycle
            placed = time.perf_counter()
            simulator.place(sim_card(CARD))
            samples.append(wait_for(events, CardRead) - placed)
            simulator.remove()
            wait_for(events, CardRemoved)
    finally:
        stop.set()
        thread.join(timeout=2)
    return samples


def wait_for(events: queue.Queue[tuple[float, ReaderEvent]], kind: type) -> float:
    while True:
        moment, event = events.get(timeout=5)
        if isinstance(event, kind):
            return moment


def time_decode(rounds: int) -> list[float]:
    card = sim_card(CARD)
    frame = protocol.encode_response(
        protocol.Sw3.SUCCESS,
        protocol.encode_card_record(protocol.CardRecord(card.text, card.photo), with_fingerprint=False),
    )
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        (parsed,) = protocol.FrameParser().feed(frame)
        assert isinstance(parsed, protocol.Frame)
        data = protocol.Response.from_frame(parsed).expect()
        record = protocol.decode_card_record(data, with_fingerprint=False)
        decode_card(record.text, record.photo)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument(
        "--interval", type=float, default=0.5, help="poll period of a deployed kiosk, seconds"
    )
    args = parser.parse_args()

    simulator = IdCardSimulator(sim_card(CARD), baud=BAUD, pace=True)
    running = start_pty_simulator(simulator, "idcard-bench")
    reader = SamReader(running.endpoint, baud=BAUD)
    reader.open()
    try:
        read_alone = time_read_alone(reader, args.rounds)
        simulator.remove()
        continuous = time_placed_to_decoded(simulator, reader, args.rounds, 0.0)
        periodic = time_placed_to_decoded(simulator, reader, max(args.rounds // 2, 10), args.interval)
    finally:
        reader.close()
        running.stop()
    decode = time_decode(1000)

    read_wire = protocol.wire_seconds(READ_BYTES, BAUD)
    sequence_wire = protocol.wire_seconds(SEQUENCE_BYTES, BAUD)
    rows = [
        ("decode 1295-byte frame (no I/O)", decode, 0.0),
        ("read 30 01 alone", read_alone, read_wire),
        ("placed → decoded, polling non-stop", continuous, sequence_wire),
        (f"placed → decoded, polling every {args.interval:g} s", periodic, sequence_wire),
    ]
    print(f"GA 467 ID card read at {BAUD} baud over a pty (simulator paced at 10 bits/byte)")
    print(f"{'path':<40} {'n':>5} {'p50 ms':>9} {'p99 ms':>9} {'wire ms':>9} {'p50-wire':>9}")
    for label, samples, wire in rows:
        p50, p99, wire_ms = percentile(samples, 50) * 1000, percentile(samples, 99) * 1000, wire * 1000
        print(f"{label:<40} {len(samples):>5} {p50:>9.2f} {p99:>9.2f} {wire_ms:>9.2f} {p50 - wire_ms:>9.2f}")
    print(
        f"wire: read = {READ_BYTES} B, sequence = {SEQUENCE_BYTES} B (find+select+read, requests included);"
    )
    print(f"the periodic row also waits for the next poll: {args.interval / 2 * 1000:g} ms on average.")


if __name__ == "__main__":
    main()
