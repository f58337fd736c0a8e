"""The event hash chain: what it costs a ticket issue, and how fast `verify` walks a large log.

- issue: tickets issued per second in process through the service function (numbering, identity,
  estimate, the event sealed into the chain at commit), 1 thread and 8 threads. With `--baseline DIR` the
  same runs also against the code in DIR (a checkout without the chain) for the before/after.
- verify: a log of N synthetic ticket events (real envelopes, chained, MAC'd, inserted in bulk) walked by
  `verify`: events per second and the process's peak memory, for two sizes (bounded memory: the peak
  does not grow with N).

    python bench/event_chain.py [sqlite] [postgresql] [--baseline /work/main] [--verify-events 200000]
                                [--verify-only]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import demo_hall, print_table

HERE = Path(__file__).resolve().parent.parent
ISSUES = 400
ROUNDS = 2
CATEGORIES = ["ENTERPRISE", "SOCIAL_AFFAIRS", "INVESTMENT", "CONSULTATION"]


def measure_issue(threads: int) -> float:
    """Run inside a process whose PYTHONPATH names the code under test; prints tickets per second."""
    from hall_server.app import build_state
    from hall_server.contract.queue import Channel, IssueTicketRequest
    from hall_server.core.config import Settings
    from hall_server.queueing.tickets import issue_ticket

    state = build_state(Settings())

    def issue(n: int) -> None:
        request = IssueTicketRequest(category_code=CATEGORIES[n % len(CATEGORIES)])
        state.uow.run(lambda ctx: issue_ticket(ctx, request, Channel.KIOSK))

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(issue, range(ISSUES)))
    elapsed = time.perf_counter() - started
    state.engine.dispose()
    return ISSUES / elapsed


def issue_rate(backend: str, code: Path, threads: int) -> float:
    os.environ["PYTHONPATH"] = str(code)
    with demo_hall(backend) as hall:
        out = subprocess.run(
            [sys.executable, __file__, "--measure-issue", str(threads)],
            env={**hall.env, "PYTHONPATH": str(code)},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    module, rate = out.strip().splitlines()[-2:]
    assert module.startswith(str(code)), f"measured {module}, not the code in {code}"
    return float(rate)


def synthesize(url: str, count: int) -> None:
    """Append `count` chained copies of a real ticket event, in bulk (as the server would chain them)."""
    from sqlalchemy import create_engine, insert, select, update

    from hall_server.app import build_state
    from hall_server.contract.queue import Channel, IssueTicketRequest
    from hall_server.core.config import Settings
    from hall_server.core.ids import uuid7
    from hall_server.events.chain import chain_key, event_hash, row_mac
    from hall_server.events.models import Event, EventChainHead
    from hall_server.queueing.tickets import issue_ticket

    state = build_state(Settings())
    request = IssueTicketRequest(category_code=CATEGORIES[0])
    state.uow.run(lambda ctx: issue_ticket(ctx, request, Channel.KIOSK))  # a real ticket event to copy
    key = chain_key(state.keys)
    state.engine.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        sample = connection.execute(
            select(Event.payload).where(Event.event_type == "queue.ticket.issued")
        ).first()
        head = connection.execute(select(EventChainHead.head_pos, EventChainHead.head_hash)).one()
        template = sample[0] if sample else {}
        pos, link = head
        for start in range(0, count, 5000):
            rows = []
            for _ in range(start, min(count, start + 5000)):
                event_id = uuid7()
                payload = {
                    **template,
                    "event_id": event_id,
                    "aggregate": {"type": "ticket", "id": f"bench-{pos + 1}", "seq": 1},
                    "prev_hash": link,
                }
                pos, link = pos + 1, event_hash(payload)
                rows.append(_row(payload, pos, link, row_mac(key, link)))
            connection.execute(insert(Event), rows)
        connection.execute(update(EventChainHead).values(head_pos=pos, head_hash=link))
    engine.dispose()


def _row(payload: dict[str, object], pos: int, link: str, mac: str) -> dict[str, object]:
    from datetime import datetime

    aggregate = payload["aggregate"]
    assert isinstance(aggregate, dict)
    return {
        "event_id": payload["event_id"],
        "event_type": payload["event_type"],
        "occurred_at": datetime.fromisoformat(str(payload["occurred_at"])),
        "aggregate_type": aggregate["type"],
        "aggregate_id": aggregate["id"],
        "aggregate_seq": aggregate["seq"],
        "correlation_id": payload.get("correlation_id"),
        "payload": payload,
        "chain_pos": pos,
        "hash": link,
        "mac": mac,
    }


def measure_verify() -> str:
    """Run inside a fresh process: verify the whole log, print events/s and peak memory."""
    from hall_server.app import build_state
    from hall_server.core.config import Settings
    from hall_server.events.verify import verify

    state = build_state(Settings())
    with state.factory() as session:
        report = verify(session, state.keys)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return json.dumps(
        {"events": report.events, "seconds": report.seconds, "intact": report.intact, "peak_mib": peak_mib}
    )


def verify_rows(backend: str, sizes: list[int]) -> list[list[object]]:
    os.environ["PYTHONPATH"] = str(HERE)
    rows: list[list[object]] = []
    with demo_hall(backend) as hall:
        os.environ.update(hall.env)
        done = 0
        for size in sizes:
            synthesize(hall.database_url, size - done)
            done = size
            out = subprocess.run(
                [sys.executable, __file__, "--measure-verify"],
                env=hall.env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            assert result["intact"], "the synthetic log should verify"
            rate = result["events"] / result["seconds"]
            rows.append(
                [
                    backend,
                    result["events"],
                    f"{result['seconds']:.1f}",
                    f"{rate:.0f}",
                    f"{result['peak_mib']:.0f}",
                ]
            )
    return rows


def main() -> None:
    args = sys.argv[1:]
    if args and args[0].startswith(
        "--measure"
    ):  # the code under test is the one PYTHONPATH names, not this folder's
        code = os.environ.get("PYTHONPATH", str(HERE))
        sys.path[:] = [code, *(entry for entry in sys.path if entry not in (str(HERE), code))]
    if args[:1] == ["--measure-issue"]:
        import hall_server

        print(hall_server.__file__)
        print(f"{measure_issue(int(args[1])):.1f}")
        return
    if args[:1] == ["--measure-verify"]:
        print(measure_verify())
        return
    baseline = Path(args[args.index("--baseline") + 1]) if "--baseline" in args else None
    largest = int(args[args.index("--verify-events") + 1]) if "--verify-events" in args else 200_000
    backends = [b for b in ("sqlite", "postgresql") if b in args] or ["sqlite", "postgresql"]
    issue_table = []
    for backend in backends if "--verify-only" not in args else []:
        for threads in (1, 8):
            chained = before = 0.0
            for _ in range(ROUNDS):  # alternate, keep the best of each: the machine is shared
                chained = max(chained, issue_rate(backend, HERE, threads))
                if baseline is not None:
                    before = max(before, issue_rate(backend, baseline, threads))
            row = [backend, threads, f"{chained:.0f}"]
            if baseline is not None:
                row += [f"{before:.0f}", f"{(chained / before - 1) * 100:+.0f}%"]
            issue_table.append(row)
    headers = ["backend", "threads", "tickets/s (chain)"]
    if baseline is not None:
        headers += ["tickets/s (before)", "change"]
    if issue_table:
        print_table(f"Ticket issue with the event chain ({ISSUES} tickets, in process)", headers, issue_table)
    verify_table = []
    for backend in backends:
        verify_table += verify_rows(backend, [largest // 4, largest])
    print_table(
        "yimen events verify over a large log",
        ["backend", "events", "seconds", "events/s", "peak MiB"],
        verify_table,
    )


if __name__ == "__main__":
    main()
