"""Tamper evidence: the event log is one hash chain with signed checkpoints, and `verify` finds any row
changed, removed or inserted behind the server's back (append-only triggers lifted, as an intruder with
the database's owner account would), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, create_engine, delete, func, insert, select, text, update

from hall_server.app import AppState, build_state
from hall_server.contract.queue import Channel, IssueTicketRequest
from hall_server.events.chain import GENESIS, chain_key, checkpoint, event_hash, row_mac
from hall_server.events.models import Event, EventChainHead, EventCheckpoint
from hall_server.events.verify import Kind, Report, verify
from hall_server.migrate import alembic_config, upgrade
from hall_server.queueing.tickets import issue_ticket
from tests.conftest import TEST_KEYS, make_settings
from tests.factories import person, seed_hall

YIMEN = str(Path(sys.executable).with_name("yimen"))
EVENT = Event.__table__


@pytest.fixture
def state(settings, clock) -> Iterator[AppState]:
    state = build_state(settings, clock)
    seed_hall(state.uow)
    for n in range(6):
        issue(state, n)
    yield state
    state.engine.dispose()
    assert state.read_engine is not None
    state.read_engine.dispose()


def issue(state: AppState, n: int) -> None:
    identity = person() if n % 2 else None
    request = IssueTicketRequest(category_code=("SOCIAL", "ENTERPRISE")[n % 2], identity=identity)
    state.uow.run(lambda ctx: issue_ticket(ctx, request, Channel.KIOSK))


def check(state: AppState) -> Report:
    return state.uow.read(lambda ctx: verify(ctx.session, ctx.keys))


def kinds(report: Report) -> list[tuple[Kind, int | None]]:
    return [(finding.kind, finding.position) for finding in report.findings]


def event_total(state: AppState) -> int:
    with state.factory() as session:
        return session.scalar(select(func.count()).select_from(Event)) or 0


class Intruder:
    """A raw connection with the append-only triggers out of the way."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.postgres = self.engine.dialect.name == "postgresql"

    def __enter__(self) -> Connection:
        self.connection = self.engine.connect()
        self.transaction = self.connection.begin()
        if self.postgres:
            self.connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            self.triggers = self.connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            for name, _ in self.triggers:
                self.connection.execute(text(f"DROP TRIGGER {name}"))
        return self.connection

    def __exit__(self, *_: object) -> None:
        if not self.postgres:  # put them back, as the intruder would to leave no trace
            for _, sql in self.triggers:
                self.connection.execute(text(sql))
        self.transaction.commit()
        self.connection.close()
        self.engine.dispose()


def row_at(connection: Connection, pos: int) -> dict[str, Any]:
    return dict(connection.execute(select(EVENT).where(EVENT.c.chain_pos == pos)).mappings().one())


def test_an_intact_log_verifies_and_every_envelope_names_the_one_before(state):
    report = check(state)
    assert report.intact, report.findings
    total = event_total(state)
    assert report.events == total == report.head_pos > 10
    with state.factory() as session:
        rows = session.execute(
            select(Event.chain_pos, Event.payload, Event.hash).order_by(Event.chain_pos)
        ).all()
    assert [pos for pos, _, _ in rows] == list(range(1, total + 1))
    assert rows[0][1]["prev_hash"] == GENESIS
    for (_, _, previous_hash), (_, payload, own_hash) in pairwise(rows):
        assert payload["prev_hash"] == previous_hash and event_hash(payload) == own_hash
    assert rows[-1][2] == report.head_hash


def test_the_envelope_the_platform_and_the_feed_get_carries_prev_hash(state):
    published = []
    state.uow.publish = published.extend
    issue(state, 1)
    (envelope,) = published
    with state.factory() as session:
        stored = session.scalars(select(Event).where(Event.event_id == envelope.event_id)).one()
        before = session.scalar(select(Event.hash).where(Event.chain_pos == stored.chain_pos - 1))
    assert envelope.prev_hash == stored.payload["prev_hash"] == before


def test_a_changed_row_is_found_at_its_position(state, settings):
    with Intruder(settings.database_url) as db:
        row = row_at(db, 12)
        forged = {**row["payload"], "data": {**row["payload"]["data"], "forged": True}}
        db.execute(update(EVENT).where(EVENT.c.chain_pos == 12).values(payload=forged))
    assert kinds(check(state)) == [(Kind.CHANGED, 12)]


def test_a_changed_column_and_a_rehashed_row_are_found(state, settings):
    with Intruder(settings.database_url) as db:
        db.execute(update(EVENT).where(EVENT.c.chain_pos == 5).values(event_type="queue.ticket.cancelled"))
        row = row_at(db, 9)
        forged = {**row["payload"], "data": {"rewritten": True}}
        # A careful intruder recomputes the SM3 hash; without the hall's key the MAC cannot follow.
        db.execute(
            update(EVENT).where(EVENT.c.chain_pos == 9).values(payload=forged, hash=event_hash(forged))
        )
    report = check(state)
    assert kinds(report) == [(Kind.CHANGED, 5), (Kind.CHANGED, 9)]
    assert "event_type" in report.findings[0].message and "MAC" in report.findings[1].message


def test_a_removed_row_is_found_also_when_the_positions_are_closed_up(state, settings):
    with Intruder(settings.database_url) as db:
        db.execute(delete(EVENT).where(EVENT.c.chain_pos == 7))
    assert kinds(check(state)) == [(Kind.REMOVED, 7)]

    last = check(state).head_pos
    with Intruder(settings.database_url) as db:
        db.execute(delete(EVENT).where(EVENT.c.chain_pos == 11))
        for pos in range(12, last + 1):
            db.execute(update(EVENT).where(EVENT.c.chain_pos == pos).values(chain_pos=pos - 1))
        db.execute(update(EventChainHead.__table__).values(head_pos=last - 1))
    assert kinds(check(state)) == [(Kind.REMOVED, 7), (Kind.REMOVED, 11)]


def test_an_inserted_row_is_found(state, settings):
    last = check(state).head_pos
    with Intruder(settings.database_url) as db:
        original = row_at(db, 8)
        for pos in range(last, 8, -1):  # make room after position 8, from the end
            db.execute(update(EVENT).where(EVENT.c.chain_pos == pos).values(chain_pos=pos + 1))
        forged = {
            **original["payload"],
            "event_id": "0190f3b2-0000-7000-8000-000000000001",
            "prev_hash": original["hash"],
            "aggregate": {**original["payload"]["aggregate"], "seq": 99},
        }
        values = {key: value for key, value in original.items() if key != "id"}
        values.update(event_id=forged["event_id"], aggregate_seq=99, payload=forged, chain_pos=9)
        values.update(hash=event_hash(forged), mac="0" * 64)
        db.execute(insert(EVENT).values(**values))
        db.execute(update(EventChainHead.__table__).values(head_pos=last + 1))
        stray = {**values, "event_id": "0190f3b2-0000-7000-8000-000000000002", "aggregate_seq": 100}
        db.execute(insert(EVENT).values(**{**stray, "chain_pos": None}))
        beyond = {**values, "event_id": "0190f3b2-0000-7000-8000-000000000003", "aggregate_seq": 101}
        db.execute(insert(EVENT).values(**{**beyond, "chain_pos": last + 5}))
    assert kinds(check(state)) == [(Kind.INSERTED, 9), (Kind.INSERTED, last + 5), (Kind.INSERTED, None)]


def test_checkpoints_are_signed_and_a_tampered_one_is_found(state, settings):
    made = state.uow.run(lambda ctx: checkpoint(ctx, force=True))
    assert made is not None and made.chain_pos == check(state).head_pos
    assert check(state).checkpoints == 1 and check(state).intact
    with Intruder(settings.database_url) as db:
        db.execute(update(EventCheckpoint.__table__).values(created_at=made.created_at - timedelta(hours=1)))
        db.execute(
            insert(EventCheckpoint.__table__).values(
                chain_pos=3,
                head_hash="ab" * 32,
                created_at=made.created_at,
                kid=made.kid,
                signature="cd" * 32,
            )
        )
    report = check(state)
    assert kinds(report) == [(Kind.CHECKPOINT, 3), (Kind.CHECKPOINT, made.chain_pos)]


def test_a_removed_tail_is_found_through_the_head_and_through_the_checkpoint(state, settings):
    signed = state.uow.run(lambda ctx: checkpoint(ctx, force=True))
    assert signed is not None
    last = signed.chain_pos
    with Intruder(settings.database_url) as db:
        db.execute(delete(EVENT).where(EVENT.c.chain_pos > last - 3))
    assert kinds(check(state))[0] == (Kind.TRUNCATED, last - 2)
    with Intruder(settings.database_url) as db:  # the careful intruder winds the head back too
        previous = row_at(db, last - 3)
        db.execute(update(EventChainHead.__table__).values(head_pos=last - 3, head_hash=previous["hash"]))
    report = check(state)
    assert kinds(report) == [(Kind.TRUNCATED, last - 2)]
    assert f"位置 {last}" in report.findings[0].message


def test_the_database_refuses_to_change_or_delete_checkpoints(state, settings):
    state.uow.run(lambda ctx: checkpoint(ctx, force=True))
    engine = create_engine(settings.database_url)
    for statement in ("UPDATE event_checkpoint SET chain_pos = 1", "DELETE FROM event_checkpoint"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    engine.dispose()


def test_checkpoints_every_n_events_and_every_m_minutes(database_url, tmp_path, clock):
    state = build_state(make_settings(database_url, tmp_path, event_checkpoint_every=10), clock)
    seed_hall(state.uow)
    for n in range(25):
        issue(state, n)
    with state.factory() as session:
        positions = list(session.scalars(select(EventCheckpoint.chain_pos).order_by(EventCheckpoint.id)))
        head = session.get_one(EventChainHead, 1).head_pos
    assert len(positions) >= 3 and all(b // 10 == a // 10 + 1 for a, b in pairwise(positions))
    if head == positions[-1]:
        issue(state, 99)
        head += 1
    assert 0 < head - positions[-1] < 10
    assert state.uow.run(checkpoint) is None  # the last one is recent
    clock.advance(minutes=11)
    made = state.uow.run(checkpoint)
    assert made is not None and made.chain_pos == head
    assert state.uow.run(lambda ctx: checkpoint(ctx, force=True)) is None  # nothing new to sign
    assert check(state).intact
    state.engine.dispose()


def test_concurrent_writers_make_one_linear_chain(state, settings, clock):
    other = build_state(settings, clock)  # a second engine: its own connections, as another process would
    before = event_total(state)
    errors: list[BaseException] = []

    def work(target: AppState, offset: int) -> None:
        try:
            for n in range(12):
                issue(target, offset + n)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s, i * 100)) for i, s in enumerate([state, other] * 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.engine.dispose()
    assert not errors
    report = check(state)
    assert report.intact, report.findings
    assert report.events == event_total(state) == before + 6 * 12 == report.head_pos


@pytest.mark.postgres
def test_two_processes_writing_at_once_make_one_linear_chain(pg_url, tmp_path, clock):
    settings = make_settings(pg_url, tmp_path)
    state = build_state(settings, clock)
    seed_hall(state.uow)
    before = event_total(state)
    script = (
        "from hall_server.app import build_state\n"
        "from hall_server.core.config import Settings\n"
        "from tests.events.test_chain import issue\n"
        "state = build_state(Settings(_env_file=None))\n"
        "for n in range(40): issue(state, n)\n"
    )
    env = {
        **os.environ,
        "YIMEN_DATABASE_URL": pg_url,
        **{f"YIMEN_{k.upper()}": v for k, v in TEST_KEYS.items()},
    }
    processes = [subprocess.Popen([sys.executable, "-c", script], env=env) for _ in range(2)]
    assert [process.wait(timeout=120) for process in processes] == [0, 0]
    report = check(state)
    assert report.intact, report.findings
    assert report.events == event_total(state) == report.head_pos == before + 2 * 40
    state.engine.dispose()


def test_the_command_exits_0_when_intact_and_1_with_a_line_per_finding(state, settings, tmp_path):
    env = {**os.environ, "YIMEN_DATABASE_URL": settings.database_url, "YIMEN_KEY_FILE": str(tmp_path / "k")}
    env.update({f"YIMEN_{k.upper()}": v for k, v in TEST_KEYS.items()})
    upgraded = subprocess.run([YIMEN, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60)
    assert upgraded.returncode == 0, upgraded.stderr  # and signs the head (migrated rows have no MAC)
    intact = subprocess.run([YIMEN, "events", "verify"], env=env, capture_output=True, text=True, timeout=60)
    assert intact.returncode == 0 and "事件链完整" in intact.stdout and "1 个签名检查点" in intact.stdout
    with Intruder(settings.database_url) as db:
        db.execute(delete(EVENT).where(EVENT.c.chain_pos == 4))
    broken = subprocess.run([YIMEN, "events", "verify"], env=env, capture_output=True, text=True, timeout=60)
    assert broken.returncode == 1 and "事件链被篡改" in broken.stdout
    assert broken.stderr.splitlines() == ["REMOVED 位置 4：该位置的事件不存在（被删除）"]


def test_the_migration_chains_a_log_with_history(state, settings):
    """Downgrade below the chain, strip what it added, upgrade again: the history verifies."""
    total = event_total(state)
    state.engine.dispose()
    command.downgrade(alembic_config(settings.database_url), "0232170bb53e")
    with Intruder(settings.database_url) as db:
        for row_id, payload in db.execute(text("SELECT id, payload FROM event")).all():
            old = {k: v for k, v in _json(payload).items() if k != "prev_hash"}
            db.execute(update(EVENT).where(EVENT.c.id == row_id).values(payload=old))
    upgrade(settings.database_url)
    report = check(state)
    assert report.intact, report.findings
    assert report.events == total == report.head_pos
    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM event WHERE mac IS NULL")).scalar() == total
        with pytest.raises(Exception, match="append-only"):
            connection.execute(text("UPDATE event SET event_type = 'x'"))
    engine.dispose()
    issue(state, 3)  # the server carries on from the migrated head, now with MACs
    state.uow.run(lambda ctx: checkpoint(ctx, force=True))
    report = check(state)
    assert report.intact and report.events == total + 1 and report.checkpoints == 1
    key = chain_key(state.keys)
    with state.factory() as session:
        newest = session.scalars(select(Event).where(Event.chain_pos == total + 1)).one()
    assert newest.mac == row_mac(key, newest.hash or "")
    with Intruder(settings.database_url) as db:  # a row from before the chain has no MAC to give it away
        row = row_at(db, 5)
        forged = {**row["payload"], "data": {"rewritten": True}}
        db.execute(
            update(EVENT).where(EVENT.c.chain_pos == 5).values(payload=forged, hash=event_hash(forged))
        )
    assert kinds(check(state)) == [(Kind.CHANGED, 5)]


def _json(value: Any) -> dict[str, Any]:
    import json

    return value if isinstance(value, dict) else json.loads(value)


def test_admins_verify_over_the_api(client_for, settings):
    from hall_server.client import ApiError

    admin = client_for("admin")
    client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    intact = admin.verify_events()
    assert intact.intact and intact.events == intact.head_pos > 10 and intact.findings == []
    with pytest.raises(ApiError) as refused:
        client_for("manager").verify_events()
    assert refused.value.code == "FORBIDDEN"
    with Intruder(settings.database_url) as db:
        db.execute(update(EVENT).where(EVENT.c.chain_pos == 3).values(aggregate_id="999"))
    broken = admin.verify_events()
    assert not broken.intact
    assert [(f.kind, f.position) for f in broken.findings] == [("CHANGED", 3)]


def test_the_platform_receives_and_keeps_prev_hash(state, tmp_path):
    from tests.platform.helpers import SignedClient, settings_for, start_platform

    with state.factory() as session:  # what the delivery worker sends: the stored envelope
        sent = session.scalars(
            select(Event.payload).where(Event.event_type == "queue.ticket.issued").order_by(Event.chain_pos)
        ).first()
    assert sent is not None and len(sent["prev_hash"]) == 64
    platform_db = f"sqlite:///{tmp_path / 'platform.db'}"
    platform = start_platform(settings_for(platform_db))
    sender = SignedClient(platform.base_url)
    try:
        assert sender.deliver(sent) == ["accepted"]
    finally:
        sender.close()
        platform.stop()
    engine = create_engine(platform_db)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT envelope FROM platform_event")).scalar_one()
    engine.dispose()
    assert _json(stored)["prev_hash"] == sent["prev_hash"]
