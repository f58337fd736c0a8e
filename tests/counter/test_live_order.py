"""The live feed's snapshot can be older than the clerk's last operation: the server reads it when the
counter subscribes, and on a slow connect (just after signing in) it may be read before 叫号 commits and
delivered after 叫号 has answered. The counter must not go back to it: the visitor just called stays the
current one, the card read meanwhile is kept, and 收件受理 opens (this was the 1-in-20 failure of
test_intake's tests on PostgreSQL: the intake page refused with 请先叫号 and waited for its catalogue)."""

from __future__ import annotations

from hall_server.contract.live import SnapshotMessage
from hall_server.queueing.load import snapshot
from tests.counter.conftest import Counter
from tests.counter.intake_fixtures import WINDOW, Desk, serve
from tests.kiosk.conftest import DemoHall


def test_a_snapshot_older_than_the_call_keeps_the_visitor_and_the_card(
    intake_hall: DemoHall, desk: Desk, desk_counter
):
    counter: Counter = desk_counter()
    c = counter.controller
    # the window as the server reads it for a subscriber before the call: nobody at the window
    before = intake_hall.server.state.uow.read(lambda ctx: snapshot(ctx, WINDOW))
    assert next(w for w in before.windows if w.number == WINDOW).current_ticket is None
    serve(counter, desk, intake_hall, "社会保障卡申领")
    called = c.current
    assert called is not None and c.visitor_identity is not None and c.card is not None

    # the feed delivers that snapshot only now (as the follower hands every message to the counter)
    c._on_live(SnapshotMessage(topic=f"window:{WINDOW}", seq=0, snapshot=before))
    counter.runner.run_pending(wait=0.5)
    assert c.current is not None and c.current.id == called.id
    assert c.visitor_identity is not None and c.card is not None
    c.intake.show()
    assert c.intake.shown, c.notice
    counter.until(lambda: bool(c.intake.matters) or c.intake.error)
    assert c.intake.matters, c.intake.message
    counter.until(lambda: not c._lists_loading)  # the re-read the snapshot asked for is in
    assert c.current is not None and c.current.id == called.id and c.visitor_identity is not None
