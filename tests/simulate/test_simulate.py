"""`yimen simulate`: a short hall day through a real server and database, every visitor accounted for and
the report agreeing with itself and with the server's own load figures; the visitor plan is the seed's."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import create_engine, text

from hall_server.cli import main
from hall_server.simulate import SimParams, simulate
from hall_server.simulate.plan import BOOKABLE, SLOT_CAPACITY, PlanParams, make_plan


def check_section(section: dict) -> None:
    """Every arrival ends served, as a no-show or having left, and the server counted the same."""
    assert section["served"] + section["no_shows"] + section["left"] == section["arrivals"]
    server = section.get("server")
    if server is not None:
        assert server["issued"] == section["arrivals"]
        assert server["served"] == section["served"]
        assert server["no_shows"] == section["no_shows"]
        assert server["cancelled"] == section["left"]
        assert server["waiting"] == 0
    wait = section["wait_min"]
    if wait["max"] is not None:
        assert wait["p50"] <= wait["p90"] <= wait["max"] and wait["mean"] <= wait["max"]
    estimate = section["estimate"]
    assert estimate["compared"] <= section["arrivals"] - section["left"]
    if estimate["mae_min"] is not None:
        assert estimate["mae_min"] >= abs(estimate["bias_min"]) - 0.01
        assert set(estimate["what_if_mae_min"]) == {"walk_up", "service_in_progress", "both"}


def test_a_short_day_accounts_for_every_visitor(database_url):
    plan = PlanParams(visitors=40, seed=7, no_show_rate=0.1, transfer_rate=0.15, appointment_share=0.3)
    result = simulate(SimParams(windows=3, displays=2, database_url=database_url), plan)
    hall, total = result["halls"][0], result["total"]
    assert hall["arrivals"] == total["arrivals"] == 40 and not hall["errors"]
    check_section(hall)
    categories = hall["categories"].values()
    for category in categories:
        check_section(category)
    for field in ("arrivals", "served", "no_shows", "left", "transfers", "appointments"):
        assert sum(c[field] for c in categories) == hall[field]
    assert hall["appointments"] > 0 and hall["transfers"] > 0 and hall["no_shows"] > 0
    assert sum(hall["served_per_hour"].values()) == hall["served"]
    api = hall["api_latency"]
    assert api["complete"]["count"] == hall["served"] and api["no-show"]["count"] == hall["no_shows"]
    assert api["transfer"]["count"] == hall["transfers"] and api["check-in"]["count"] == hall["appointments"]
    assert api["issue"]["count"] + api["check-in"]["count"] == hall["arrivals"]
    calls = (
        hall["served"] + hall["no_shows"] + hall["transfers"]
    )  # every service and no-show began with a call
    assert api["call-next"]["count"] >= calls
    assert hall["call_to_display"]["count"] == 2 * calls  # each of the 2 screens read every call


def test_the_command_runs_several_halls_and_prints_json(capsys):
    status = main(
        ["simulate", "--halls", "2", "--windows", "2", "--visitors", "12", "--displays", "0", "--json"]
    )
    assert status == 0
    result = json.loads(capsys.readouterr().out)
    halls, total = result["halls"], result["total"]
    assert [h["hall"] for h in halls] == [1, 2] and result["params"]["halls"] == 2
    assert [h["code"] for h in halls] == ["341122-ZWFW-01", "341122-ZWFW-02"]
    for hall in halls:
        assert hall["arrivals"] == 12 and not hall["errors"]
        check_section(hall)
    check_section(total)
    for field in ("arrivals", "served", "no_shows", "left", "transfers", "requests"):
        assert total[field] == sum(h[field] for h in halls)
    assert total["server"]["issued"] == 24 and total["call_to_display"]["count"] == 0


def check_one_database(url: str, halls: int, arrivals: int) -> None:
    """Every hall's tickets stay in that hall: numbered per hall (the same numbers recur in each), called
    only at that hall's windows, and its clerks are bound to it."""
    engine = create_engine(url)
    try:
        with engine.connect() as db:
            per_hall = dict(
                db.execute(
                    text(
                        "select h.code, count(*) from ticket t "
                        "join hall h on h.id = t.hall_id group by h.code"
                    )
                ).all()
            )
            assert per_hall == {f"341122-ZWFW-{h:02d}": arrivals for h in range(1, halls + 1)}
            twice = (
                "select hall_id, number from ticket "
                "group by hall_id, service_date, number having count(*) > 1"
            )
            assert db.execute(text(twice)).all() == []
            recurring = db.execute(
                text("select number from ticket group by number having count(distinct hall_id) > 1")
            ).all()
            assert recurring  # numbering starts afresh in every hall
            crossed = db.execute(
                text(
                    'select count(*) from ticket t join "window" w on w.id = t.window_id '
                    "where w.hall_id <> t.hall_id"
                )
            ).scalar()
            called = db.execute(text("select count(*) from ticket where window_id is not null")).scalar()
            assert crossed == 0 and called
            bound = db.execute(
                text(
                    "select count(*) from staff s join hall h on h.id = s.hall_id "
                    "where h.code = '341122-ZWFW-02' and s.login like 'h2.clerk%'"
                )
            ).scalar()
            assert bound == 12  # the demo's clerks, bound to their hall
    finally:
        engine.dispose()


def test_several_halls_share_one_server_and_database(tmp_path):
    url = f"sqlite:///{tmp_path}/region.db"
    plan = PlanParams(visitors=14, seed=3, transfer_rate=0.2)
    result = simulate(SimParams(halls=3, windows=2, displays=1, database_url=url), plan)
    halls = result["halls"]
    assert [h["code"] for h in halls] == [f"341122-ZWFW-0{h}" for h in (1, 2, 3)]
    for hall in halls:
        check_section(hall)
        assert hall["arrivals"] == 14 and not hall["errors"]
        calls = hall["served"] + hall["no_shows"] + hall["transfers"]
        assert hall["call_to_display"]["count"] == calls  # each hall's screen saw its own calls only
        assert hall["estimate"]["mae_min"] is not None and hall["requests_per_s"] > 0
    check_section(result["total"])
    check_one_database(url, 3, 14)


@pytest.mark.postgres
def test_two_worker_processes_on_postgresql(pg_url, capsys):
    status = main(
        [
            *["simulate", "--halls", "2", "--windows", "2", "--visitors", "12", "--displays", "1"],
            *["--db", pg_url, "--workers", "2", "--json"],
        ]
    )
    assert status == 0
    result = json.loads(capsys.readouterr().out)
    assert result["params"]["workers"] == 2 and result["params"]["database"].startswith("postgresql")
    for hall in result["halls"]:
        check_section(hall)
        assert hall["arrivals"] == 12 and not hall["errors"]
        calls = hall["served"] + hall["no_shows"] + hall["transfers"]
        assert hall["call_to_display"]["count"] == calls  # across the processes (LISTEN/NOTIFY)
    check_one_database(pg_url, 2, 12)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--workers", "2"], "需用 PostgreSQL"),
        (["--workers", "2", "--db", "sqlite:////tmp/one.db"], "需用 PostgreSQL"),
        (["--db", "postgresql://x/sim_{hall}"], "不再含 {hall}"),
        (["--halls", "100"], "至多为 99"),
    ],
)
def test_the_command_refuses_what_it_cannot_run(arguments, message, capsys):
    assert main(["simulate", *arguments]) == 2 and message in capsys.readouterr().err


def test_the_same_seed_gives_the_same_plan_and_the_plan_is_a_hall_day():
    params = PlanParams(visitors=2000, seed=42)
    plan = make_plan(params)
    assert plan.as_dicts() == make_plan(params).as_dicts()
    assert plan.as_dicts() != make_plan(PlanParams(visitors=2000, seed=43)).as_dicts()
    visitors = plan.visitors
    assert len(visitors) == 2000
    assert all(8.5 * 3600 <= v.arrive_s < 17.5 * 3600 for v in visitors)
    walk_ins_by_hour = Counter(int(v.arrive_s // 3600) for v in visitors if v.slot_minute is None)
    # peaks at 9-10 and 14-15, a lull over lunch and at the end of the day
    assert walk_ins_by_hour[9] > walk_ins_by_hour[11] > walk_ins_by_hour[12]
    assert walk_ins_by_hour[14] > walk_ins_by_hour[13] and walk_ins_by_hour[14] > walk_ins_by_hour[16]
    booked = Counter((v.category, v.slot_minute) for v in visitors if v.slot_minute is not None)
    assert booked and all(code in BOOKABLE for code, _ in booked)
    assert max(booked.values()) <= SLOT_CAPACITY
    assert all(v.transfer_to != v.category and v.second_service_s > 0 for v in visitors if v.transfer_to)


@pytest.mark.parametrize("rate", [0.0, 1.0])
def test_the_rates_are_the_plans(rate):
    plan = make_plan(PlanParams(visitors=50, seed=3, no_show_rate=rate, transfer_rate=rate))
    assert all(v.absent is bool(rate) for v in plan.visitors)
    assert all((v.transfer_to is not None) is bool(rate) for v in plan.visitors)


def test_an_overloaded_hall_ends_its_day_with_visitors_left_waiting():
    """One window for everyone and nobody giving up: at 20:00 the clerk stops calling, the day is ended
    and whoever still waits has left (the server cancelled their tickets)."""
    plan = PlanParams(visitors=110, seed=5, patience_minutes=100_000.0, no_show_rate=0.0)
    hall = simulate(SimParams(windows=1, displays=0), plan)["halls"][0]
    check_section(hall)
    assert hall["left"] > 0 and hall["server"]["cancelled"] == hall["left"] and hall["no_shows"] == 0
    assert max(hall["served_per_hour"]) <= "20:00"
