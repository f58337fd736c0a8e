"""Case numbers are asked and stored once: two workers (two processes' worth) on one database, one asks
(the owner of the allocating target's stream), the other stands by; storing the same number again writes
nothing; a platform that is down leaves the cases waiting and the worker backing off, not failing."""

from __future__ import annotations

from sqlalchemy import func, select

from hall_server.client import HallClient
from hall_server.events.models import Event
from hall_server.sync import case_numbers
from hall_server.sync.targets import build_target
from hall_server.sync.targets.rest import RestTarget
from hall_server.sync.worker import DeliveryWorker
from tests.cases.helpers import concluded_case, instant_matter
from tests.conftest import free_port, start_server
from tests.factories import OTHER_ID, YOUNG_ID, seed_hall
from tests.platform.helpers import (
    APPS,
    HALL_SECRET_ENV,
    SignedClient,
    hall_delivering_to,
    settings_for,
    start_platform,
)


def _assigned(ctx, case_id: int) -> int:
    return ctx.session.scalar(
        select(func.count()).where(
            Event.event_type == "case.case_no_assigned",
            Event.aggregate_type == "case",
            Event.aggregate_id == str(case_id),
        )
    )


def test_two_workers_number_each_case_once(database_url, tmp_path, clock, monkeypatch):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv(HALL_SECRET_ENV, APPS["HALL-A"].decode())
    target = {
        "name": "province",
        "kind": "hall-sync-rest",
        "url": url,
        "app_id": "HALL-A",
        "secret_env": HALL_SECRET_ENV,
        "allocates_case_numbers": True,
    }
    settings = hall_delivering_to(
        url, database_url, tmp_path, monkeypatch, sync_targets=[target], sync_in_server=False
    )
    server = start_server(settings, clock)
    platform = None
    workers = [DeliveryWorker(server.state.uow) for _ in range(2)]
    try:
        hall = seed_hall(server.state.uow)
        clerk = HallClient(server.base_url, hall.tokens["clerk1"])
        matter = instant_matter(server.state.uow)
        cases = [concluded_case(clerk, matter, number).case for number in (YOUNG_ID, OTHER_ID)]
        first, second = workers
        for worker in workers:
            worker.targets = [build_target(config) for config in settings.targets()]
        [allocating] = first.targets
        assert isinstance(allocating, RestTarget)

        # the platform is down: nothing stored, the worker backs off instead of failing
        assert first.number_cases(allocating) == 0
        assert first.numbering_failures == 1 and first.numbering_due > 0
        assert all(clerk.get_case(c.id).platform_case_no is None for c in cases)

        platform = start_platform(settings_for(f"sqlite:///{tmp_path}/platform.db"), port=port)
        second_target = second.targets[0]
        assert isinstance(second_target, RestTarget)
        assert second.number_cases(second_target) == 0  # the first owns the stream: stand by
        first.numbering_due = 0.0  # as when the target answers events again
        assert first.number_cases(allocating) == 2
        assert first.number_cases(allocating) == 0  # nothing left to ask
        numbers = [clerk.get_case(c.id).platform_case_no for c in cases]
        assert all(numbers) and len(set(numbers)) == 2

        # a second store of the same answer (a worker that asked again) writes nothing
        uow = server.state.uow
        assert not uow.run(lambda ctx: case_numbers.store(ctx, cases[0].id, numbers[0] or ""))
        assert [uow.read(lambda ctx, c=c: _assigned(ctx, c.id)) for c in cases] == [1, 1]
        # and the platform, asked again, answers the same number
        receiver = SignedClient(platform.base_url)
        try:
            first_event = uow.read(lambda ctx: ctx.session.scalars(select(Event.payload)).first())
            hall_code = first_event["source"]["hall_code"]
            answer = receiver.case_number(hall_code, cases[0].local_case_no or "")
        finally:
            receiver.close()
        assert answer.json()["case_no"] == numbers[0]
    finally:
        for worker in workers:
            for t in worker.targets:
                t.close()
        server.stop()
        if platform is not None:
            platform.stop()
