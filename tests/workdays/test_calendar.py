from datetime import date

import pytest

from hall_server.workdays.calendar import add_working_days, is_working_day, parse_year, shipped


def test_the_spring_festival_holiday_is_skipped_and_its_make_up_saturdays_count() -> None:
    cal = shipped()
    # Fri 2026-02-13, then Sat 02-14 is a make-up working day, 02-15..02-23 are the holiday.
    assert add_working_days(cal, date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(cal, date(2026, 2, 13), 2) == date(2026, 2, 24)
    # 15 working days from 02-13: 02-14, 02-24..27 (4), 02-28 (Sat, make-up), 03-02..06 (5), 03-09..12 (4).
    assert add_working_days(cal, date(2026, 2, 13), 15) == date(2026, 3, 12)
    assert is_working_day(cal, date(2026, 2, 28))
    assert not is_working_day(cal, date(2026, 3, 1))


def test_national_day_and_its_sunday_make_up_day() -> None:
    cal = shipped()
    assert is_working_day(cal, date(2026, 9, 20))  # Sunday, 调休上班
    assert add_working_days(cal, date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(cal, date(2026, 10, 9), 1) == date(2026, 10, 10)  # Saturday, 调休上班


def test_zero_days_and_plain_weekends() -> None:
    cal = shipped()
    assert add_working_days(cal, date(2026, 3, 13), 0) == date(2026, 3, 13)
    assert add_working_days(cal, date(2026, 3, 13), 1) == date(2026, 3, 16)
    with pytest.raises(ValueError):
        add_working_days(cal, date(2026, 3, 13), -1)


def test_2027_is_shipped_provisional_and_an_official_file_replaces_it() -> None:
    cal = shipped()
    assert 2027 in cal.provisional_years and 2026 not in cal.provisional_years
    official = parse_year(
        {"year": 2027, "holidays": [["2027-02-05", "2027-02-11", "春节"]], "workdays": [["2027-02-20", "x"]]}
    )
    assert not official.provisional_years
    assert add_working_days(official, date(2027, 2, 4), 1) == date(2027, 2, 12)
    assert is_working_day(official, date(2027, 2, 20))
