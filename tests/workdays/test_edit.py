"""The hall edits its working-day calendar (e.g. when next year's State Council notice is published): through
the API or `yimen workdays import`, on the real server and database; new deadlines count on it at once."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from hall_server.client import ApiError, HallClient
from hall_server.contract.complaints import ComplaintIn, ComplaintSubject
from hall_server.contract.workdays import HolidayRange, MakeUpDay, WorkdaysYearIn
from hall_server.events.models import Event
from tests.conftest import SHANGHAI, cli_env
from tests.factories import PASSWORD
from tests.followups.helpers import raw

YIMEN = str(Path(sys.executable).with_name("yimen"))
# The 2027 Spring Festival as a notice might set it: Fri 02-05 to Thu 02-11 off, Sat 02-20 worked.
SPRING_2027 = WorkdaysYearIn(
    holidays=[HolidayRange(first=date(2027, 2, 5), last=date(2027, 2, 11), name="春节")],
    workdays=[MakeUpDay(day=date(2027, 2, 20), name="春节调休上班")],
    source="国务院办公厅关于2027年部分节假日安排的通知",
)


def test_2026_as_shipped(client_for):
    year = client_for("clerk1").workdays(2026)
    assert (year.origin, year.provisional, len(year.holidays), len(year.workdays)) == ("SHIPPED", False, 7, 6)
    assert year.holidays[1].name == "春节" and year.workdays[0].day == date(2026, 1, 4)
    # 261 Mondays to Fridays less those in a holiday, plus the 6 make-up days.
    off = {d for h in year.holidays for d in _days(h.first, h.last) if d.weekday() < 5}
    assert year.working_days == 261 - len(off) + 6
    with pytest.raises(ApiError) as unknown:
        client_for("clerk1").workdays(2031)
    assert (unknown.value.status, unknown.value.code) == (404, "WORKDAYS_YEAR_UNKNOWN")


def _days(first: date, last: date) -> list[date]:
    return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]


def test_a_saved_year_replaces_the_shipped_one_and_new_deadlines_count_on_it(server, hall, clock):
    clock.set(datetime(2027, 2, 4, 9, tzinfo=SHANGHAI))  # Thursday before the holiday
    manager = HallClient.login(server.base_url, "manager", PASSWORD)  # a new day: signed in again
    clerk = HallClient.login(server.base_url, "clerk1", PASSWORD)
    complaint = ComplaintIn(subject=ComplaintSubject.EFFICIENCY, text="等候太久", window_no=1)
    before = manager.record_complaint(complaint)
    saved = manager.save_workdays(2027, SPRING_2027)
    assert (saved.origin, saved.provisional, saved.source) == ("EDITED", False, SPRING_2027.source)
    assert saved.updated_at is not None
    after = manager.record_complaint(complaint)
    # 5 working days after Thu 02-04: Fri 02-12, Mon 02-15 … Thu 02-18 (02-05 to 02-11 are the holiday).
    assert after.due_date == date(2027, 2, 18)
    assert before.due_date != after.due_date  # the shipped provisional 2027 had no such holiday
    assert manager.complaint(before.id).due_date == before.due_date  # a deadline set keeps its day
    assert clerk.workdays(2027) == saved

    def saved_events(ctx):
        query = select(Event).where(Event.event_type == "hall.workdays.saved")
        return [e.payload["data"] for e in ctx.session.scalars(query)]

    assert server.state.uow.read(saved_events) == [{"year": 2027, "holidays": 1, "workdays": 1}]
    with pytest.raises(ApiError) as not_manager:
        clerk.save_workdays(2027, SPRING_2027)
    assert not_manager.value.status == 403


@pytest.mark.parametrize(
    ("year", "body", "code"),
    [
        (2027, {"holidays": [], "workdays": [{"day": "2027-02-17", "name": "周三"}]}, "WORKDAYS_NOT_WEEKEND"),
        (
            2027,
            {
                "holidays": [{"first": "2027-02-05", "last": "2027-02-14", "name": "春节"}],
                "workdays": [{"day": "2027-02-13", "name": "春节调休上班"}],
            },
            "WORKDAYS_OVERLAP",
        ),
        (
            2027,
            {"holidays": [{"first": "2028-05-01", "last": "2028-05-03", "name": "劳动节"}]},
            "WORKDAYS_OUTSIDE_YEAR",
        ),
        (
            2027,
            {"holidays": [{"first": "2027-05-03", "last": "2027-05-01", "name": "劳动节"}]},
            "VALIDATION_ERROR",
        ),
        (
            2027,
            {"holidays": [{"first": "2027-05-01", "last": "2027-05-03", "name": " "}]},
            "VALIDATION_ERROR",
        ),
        (1999, {"holidays": []}, "VALIDATION_ERROR"),
    ],
)
def test_bad_arrangements_are_refused_with_a_reason(server, hall, year, body, code):
    answer = raw(server, hall.tokens["manager"], "PUT", f"/workdays/{year}", body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == code


def test_new_years_day_of_a_notice_may_reach_into_the_year_before(client_for):
    body = WorkdaysYearIn(
        holidays=[HolidayRange(first=date(2027, 12, 31), last=date(2028, 1, 2), name="元旦")]
    )
    saved = client_for("manager").save_workdays(2028, body)
    assert saved.holidays[0].first == date(2027, 12, 31)


def test_the_cli_loads_a_notice_file_into_the_halls_database(server, client_for, database_url, tmp_path):
    env = cli_env(database_url, tmp_path)
    notice = {
        "year": 2027,
        "source": "通知",
        "holidays": [["2027-02-05", "2027-02-11", "春节"]],
        "workdays": [["2027-02-20", "春节调休上班"]],
    }
    (tmp_path / "2027.json").write_text(json.dumps(notice, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "bad.json").write_text(json.dumps({**notice, "workdays": [["2027-02-17", "周三"]]}))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [YIMEN, "workdays", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)

    loaded = run("import", str(tmp_path / "2027.json"))
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.startswith("已载入 2027 年节假日安排：大厅修订，假期 1 段，调休上班 1 天")
    assert client_for("manager").workdays(2027).origin == "EDITED"  # the running server sees it
    refused = run("import", str(tmp_path / "bad.json"))
    assert refused.returncode == 1 and "调休上班日应为周六或周日：2027-02-17" in refused.stderr
    shown = run("show", "2027")
    assert shown.returncode == 0 and "放假 2027-02-05 至 2027-02-11 春节" in shown.stdout
    assert run("show", "2040").returncode == 1
    assert run("import", str(tmp_path / "missing.json")).returncode == 1
