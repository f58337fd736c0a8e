"""Two service days of known tickets, made through the API with the settable clock, and the figures they
must give (worked out by hand in the comments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hall_server.client import HallClient
from hall_server.contract.queue import IssueTicketRequest, TransferRequest
from tests.conftest import SHANGHAI
from tests.factories import OTHER_ID, PASSWORD, YOUNG_ID, person

DAY1 = date(2026, 11, 25)
DAY2 = date(2026, 11, 26)


@dataclass
class History:
    ids: dict[str, int]


def at(clock, day: date, hh: int, mm: int) -> None:
    clock.set(datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI))


def make_history(server, clock, hall, client_for) -> History:
    """Day 1 (11-25): t1 B marriage (张, YOUNG_ID) served at window 1; t3 A company (OTHER_ID) served at
    window 3; t2 B called late and no-show; t4 B cancelled, never called.
    Day 2 (11-26): t5 B marriage (YOUNG_ID again) called at window 1, transferred to window 2, served there;
    t6 B served at window 1."""
    kiosk, manager = client_for("kiosk"), client_for("manager")
    clerk1, clerk2, clerk3 = client_for("clerk1"), client_for("clerk2"), client_for("clerk3")
    marriage, company = hall.matters["marriage"], hall.matters["company"]
    at(clock, DAY1, 8, 55)
    clerk1.window_op(1, "open")
    clerk3.window_op(2, "open")
    clerk2.window_op(3, "open")

    def issue(**fields) -> int:
        return kiosk.issue_ticket(IssueTicketRequest(**fields)).id

    ids: dict[str, int] = {}
    at(clock, DAY1, 9, 0)
    ids["t1"] = issue(matter_id=marriage, identity=person(YOUNG_ID))
    ids["t2"] = issue(category_code="SOCIAL")
    ids["t3"] = issue(matter_id=company, identity=person(OTHER_ID, "李四"))
    ids["t4"] = issue(category_code="SOCIAL")
    at(clock, DAY1, 9, 10)
    assert clerk1.call_next(1).ticket.id == ids["t1"]  # wait 600
    at(clock, DAY1, 9, 11)
    clerk1.window_op(1, "start")
    at(clock, DAY1, 9, 16)
    clerk1.window_op(1, "complete")  # service 300
    at(clock, DAY1, 9, 20)
    assert clerk2.call_next(3).ticket.id == ids["t3"]  # wait 1200
    clerk2.window_op(3, "start")
    at(clock, DAY1, 9, 30)
    clerk2.window_op(3, "complete")  # service 600
    at(clock, DAY1, 10, 5)
    assert clerk1.call_next(1).ticket.id == ids["t2"]  # wait 3900 (over 30 min)
    at(clock, DAY1, 10, 10)
    clerk1.window_op(1, "no-show")
    at(clock, DAY1, 10, 20)
    manager.cancel_ticket(ids["t4"], "申请人离开")

    at(clock, DAY2, 8, 55)
    # sessions end with the day: the staff sign in again
    clerk1, clerk3 = (HallClient.login(server.base_url, name, PASSWORD) for name in ("clerk1", "clerk3"))
    at(clock, DAY2, 9, 0)
    ids["t5"] = issue(matter_id=marriage, identity=person(YOUNG_ID))
    ids["t6"] = issue(category_code="SOCIAL")
    at(clock, DAY2, 9, 5)
    assert clerk1.call_next(1).ticket.id == ids["t5"]  # wait 300 (first call)
    clerk1.window_op(1, "start")
    at(clock, DAY2, 9, 6)
    clerk1.transfer(1, TransferRequest(to_window_no=2, note="需要复核"))
    at(clock, DAY2, 9, 8)
    assert clerk3.call_next(2).ticket.id == ids["t5"]
    clerk3.window_op(2, "start")
    at(clock, DAY2, 9, 18)
    clerk3.window_op(2, "complete")  # service 600 (from the start at window 2)
    at(clock, DAY2, 9, 20)
    assert clerk1.call_next(1).ticket.id == ids["t6"]  # wait 1200
    clerk1.window_op(1, "start")
    at(clock, DAY2, 9, 22)
    clerk1.window_op(1, "complete")  # service 120
    at(clock, DAY2, 11, 0)
    clerk1.close()
    clerk3.close()
    return History(ids)


FIGURES = (
    "issued",
    "served",
    "no_show",
    "cancelled",
    "open",
    "no_show_rate",
    "avg_wait_seconds",
    "median_wait_seconds",
    "p90_wait_seconds",
    "wait_over_threshold",
    "avg_service_seconds",
)


def figures(row) -> tuple:
    return tuple(getattr(row, name) for name in FIGURES)


# issued, served, no_show, cancelled, open, rate, avg, median, p90 wait, over 30 min, avg service
# day 1 waits 600, 1200, 3900: p90 = 1200 + 0.8 × 2700; services 300, 600
DAY1_ROW = (4, 2, 1, 1, 0, 0.25, 1900.0, 1200.0, 3360.0, 1, 450.0)
# day 2 waits 300, 1200: p90 = 300 + 0.9 × 900; services 600, 120
DAY2_ROW = (2, 2, 0, 0, 0, 0.0, 750.0, 750.0, 1110.0, 0, 360.0)
# waits 300, 600, 1200, 1200, 3900: p90 = 1200 + 0.6 × 2700; services 300, 600, 600, 120
TOTAL_ROW = (6, 4, 1, 1, 0, 0.1667, 1440.0, 1200.0, 2820.0, 1, 405.0)
BY_GROUP = {
    "category": {
        ("SOCIAL", "社会事务"): (5, 3, 1, 1, 0, 0.2, 1500.0, 900.0, 3090.0, 1, 340.0),
        ("ENTERPRISE", "企业服务"): (1, 1, 0, 0, 0, 0.0, 1200.0, 1200.0, 1200.0, 0, 600.0),
    },
    "window": {
        ("1", "1号窗口"): (3, 2, 1, 0, 0, 0.3333, 1900.0, 1200.0, 3360.0, 1, 210.0),
        ("2", "2号窗口"): (1, 1, 0, 0, 0, 0.0, 300.0, 300.0, 300.0, 0, 600.0),
        ("3", "3号窗口"): (1, 1, 0, 0, 0, 0.0, 1200.0, 1200.0, 1200.0, 0, 600.0),
        ("", "未分配窗口"): (1, 0, 0, 1, 0, 0.0, None, None, None, 0, None),
    },
    "clerk": {
        ("clerk1", "员工clerk1"): (3, 2, 1, 0, 0, 0.3333, 1900.0, 1200.0, 3360.0, 1, 210.0),
        ("clerk3", "员工clerk3"): (1, 1, 0, 0, 0, 0.0, 300.0, 300.0, 300.0, 0, 600.0),
        ("clerk2", "员工clerk2"): (1, 1, 0, 0, 0, 0.0, 1200.0, 1200.0, 1200.0, 0, 600.0),
        ("", "未分配人员"): (1, 0, 0, 1, 0, 0.0, None, None, None, 0, None),
    },
    "matter": {
        ("340700101000", "内地居民结婚登记"): (2, 2, 0, 0, 0, 0.0, 450.0, 450.0, 570.0, 0, 450.0),
        ("340101201000", "企业设立登记"): (1, 1, 0, 0, 0, 0.0, 1200.0, 1200.0, 1200.0, 0, 600.0),
        ("", "未选择事项"): (3, 1, 1, 1, 0, 0.3333, 2550.0, 2550.0, 3630.0, 1, 120.0),
    },
}
