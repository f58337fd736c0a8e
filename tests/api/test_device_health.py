"""Device health through the real server, on SQLite and PostgreSQL: each device reports its parts and app
version; the latest report is kept, an event is recorded only when a part's state changes, and managers
see every registered device with a stale flag when it has gone silent."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hall_server.client import ApiError
from hall_server.contract.devicehealth import HealthReport, PartReport, PartState
from hall_server.events.models import Event
from tests.factories import RawBody

PRINTER = "serial:///dev/ttyUSB0"


def report(state: PartState, code: str | None = None, version: str = "1.4.0") -> HealthReport:
    return HealthReport(
        app_version=version,
        devices=[
            PartReport(kind="reader", url_or_name="/dev/hidraw0", state=PartState.OK),
            PartReport(kind="printer", url_or_name=PRINTER, state=state, code=code, message="打印机缺纸"),
        ],
    )


def device_events(server) -> list[tuple[str, dict]]:
    with server.state.factory() as session:
        rows = session.scalars(
            select(Event).where(Event.event_type.like("hall.device.%")).order_by(Event.id)
        ).all()
        changes = [row for row in rows if row.event_type != "hall.device.registered"]
        return [(row.event_type, row.payload["data"]) for row in changes]


def by_name(manager) -> dict:
    return {d.name: d for d in manager.device_health()}


def test_reports_are_kept_and_only_state_changes_are_events(server, client_for, clock):
    kiosk, manager = client_for("kiosk"), client_for("manager")
    stored = kiosk.report_health(report(PartState.OK))
    assert (stored.name, stored.app_version, stored.faults, stored.stale) == ("kiosk", "1.4.0", 0, False)
    assert device_events(server) == []  # parts first seen OK are no news
    kiosk.report_health(report(PartState.FAULT, "PAPER_OUT"))
    kiosk.report_health(report(PartState.FAULT, "PAPER_OUT"))  # the same again: no second event
    clock.advance(seconds=30)
    kiosk.report_health(report(PartState.OK, version="1.4.1"))
    events = device_events(server)
    assert [(t, d["part"], d["state"], d["code"]) for t, d in events] == [
        ("hall.device.fault", "printer", "FAULT", "PAPER_OUT"),
        ("hall.device.recovered", "printer", "OK", None),
    ]
    kiosk_health = by_name(manager)["kiosk"]
    assert (kiosk_health.app_version, kiosk_health.faults, len(kiosk_health.devices)) == ("1.4.1", 0, 2)


def test_managers_see_every_device_and_the_stale_ones(server, client_for, clock):
    kiosk, display, manager = client_for("kiosk"), client_for("display"), client_for("manager")
    kiosk.report_health(report(PartState.ABSENT, "NOT_FOUND"))
    display.report_health(HealthReport(app_version="2.0.0"))
    seen = by_name(manager)
    assert set(seen) == {"kiosk", "display", "counter"}
    silent = seen["counter"]
    assert (silent.app_version, silent.reported_at, silent.stale) == (None, None, True)
    assert (seen["kiosk"].faults, seen["kiosk"].stale) == (1, False)
    [printer] = [p for p in seen["kiosk"].devices if p.kind == "printer"]
    assert (printer.state, printer.code, printer.url_or_name) == (PartState.ABSENT, "NOT_FOUND", PRINTER)
    clock.advance(seconds=server.state.settings.device_health_stale_seconds + 1)
    display.report_health(HealthReport(app_version="2.0.0"))
    seen = by_name(manager)
    assert (seen["kiosk"].stale, seen["display"].stale) == (True, False)


def test_health_refusals(client_for):
    kiosk, clerk, admin = client_for("kiosk"), client_for("clerk1"), client_for("admin")
    for staff in (clerk, admin):
        with pytest.raises(ApiError) as not_device:
            staff.report_health(HealthReport(app_version="1.0"))
        assert not_device.value.status == 403
    with pytest.raises(ApiError) as listing:
        kiosk.device_health()
    assert listing.value.status == 403
    part = {"kind": "printer", "url_or_name": PRINTER, "state": "OK"}
    for body in (
        {"app_version": "1.0", "devices": [part, part]},
        {"app_version": "1.0", "devices": [{**part, "state": "BROKEN"}]},
        {"app_version": "", "devices": []},
        {"app_version": "1.0", "devices": [{**part, "code": "paper out"}]},
    ):
        with pytest.raises(ApiError) as bad:
            kiosk._call("POST", "/devices/health", dict, RawBody(body))
        assert bad.value.status == 422 and bad.value.message
