"""What the hall screen shows, as a pure state: a snapshot of the `display` topic, then its events applied
on top, filtered by the screen's profile. No I/O, no clock of its own (times are passed in), so it is
tested with plain values; memory is bounded (fixed-size deques), however long the hall stays open.

The view model (`view()`) is the JSON the page renders: ticket numbers and window numbers only — the
`display` topic already carries no identity, and the staff fields are never copied here.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hall_server.contract.displays import WHOLE_HALL, DisplayProfileOut
from hall_server.contract.events import EventType
from hall_server.contract.live import EventMessage, SnapshotMessage
from hall_server.contract.load import CategoryWaiting
from hall_server.contract.queue import TicketOut, TicketStatus, WindowOut, WindowState

RECENT_CALLS = 6  # shown under the latest call
CALL_EVENTS = (EventType.TICKET_CALLED, EventType.TICKET_RECALLED)
# After these the ticket is no longer at its window: the window shows no number.
LEAVING_EVENTS = frozenset(
    {
        EventType.TICKET_SERVICE_COMPLETED,
        EventType.TICKET_NO_SHOW,
        EventType.TICKET_REQUEUED,
        EventType.TICKET_TRANSFERRED,
        EventType.TICKET_CANCELLED,
    }
)
STATE_LABELS = {WindowState.OPEN: "办理中", WindowState.PAUSED: "暂停服务", WindowState.CLOSED: "未开放"}
IDLE_LABEL = "等待叫号"
CALLED_LABEL = "正在叫号"  # called, the visitor is on the way


def is_fresh(
    occurred_at: datetime, recorded_at: datetime, server_time: datetime | None, max_age_s: float
) -> bool:
    """A call is announced only if it is news: recorded soon after it happened (a counter that was offline
    sends its calls late) and not older than the latest server time this screen has seen (events that
    reach us after a gap). Both compare server times only, so a display PC with a wrong clock is fine."""
    if (recorded_at - occurred_at).total_seconds() > max_age_s:
        return False
    return server_time is None or (server_time - occurred_at).total_seconds() <= max_age_s


def whole_hall() -> DisplayProfileOut:
    return DisplayProfileOut(name=WHOLE_HALL, title="", window_numbers=[], category_codes=[])


@dataclass(frozen=True)
class CallShown:
    ticket: str
    window: int
    window_name: str
    category_code: str
    recall: bool
    at: datetime  # the server's time of the call

    def as_json(self) -> dict[str, Any]:
        return {
            "ticket": self.ticket,
            "window": self.window,
            "window_name": self.window_name,
            "recall": self.recall,
            "at": self.at.isoformat(),
        }


@dataclass
class DisplayState:
    profile: DisplayProfileOut = field(default_factory=whole_hall)
    hall_name: str = ""
    time_zone: str = "Asia/Shanghai"  # the hall's, from the snapshot: the page's clock shows it
    notice: str = ""
    windows: dict[int, WindowOut] = field(default_factory=dict)
    waiting: list[CategoryWaiting] = field(default_factory=list)
    calls: deque[CallShown] = field(default_factory=lambda: deque(maxlen=RECENT_CALLS + 1))
    synced: bool = False  # a snapshot was applied
    stale_since: datetime | None = None  # local time the server stopped answering; None: live
    server_time: datetime | None = None  # the latest server time seen (snapshot as_of, event recorded_at)
    version: int = 0  # bumped on every change the page should see

    # --- what the profile lets through -------------------------------------------------------------------

    def shows_window(self, number: int) -> bool:
        numbers = self.profile.window_numbers
        if numbers:
            return number in numbers
        codes = self.profile.category_codes
        if not codes:
            return True
        window = self.windows.get(number)
        return window is not None and bool(set(window.category_codes) & set(codes))

    def shows_category(self, code: str) -> bool:
        codes = self.profile.category_codes
        if codes:
            return code in codes
        if not self.profile.window_numbers:
            return True
        return any(
            code in w.category_codes for n, w in self.windows.items() if n in self.profile.window_numbers
        )

    def shows_call(self, window: int, category_code: str) -> bool:
        if self.profile.window_numbers and window not in self.profile.window_numbers:
            return False
        return not self.profile.category_codes or category_code in self.profile.category_codes

    # --- applying the feed --------------------------------------------------------------------------------

    def set_profile(self, profile: DisplayProfileOut) -> None:
        self.profile = profile
        self._changed()

    def apply_snapshot(self, message: SnapshotMessage) -> None:
        """A fresh picture: replaces everything; calls in it are shown, never announced."""
        snapshot = message.snapshot
        self.hall_name = snapshot.hall_name
        self.time_zone = snapshot.time_zone
        self.notice = snapshot.notice
        self.windows = {w.number: w for w in snapshot.windows}
        self.waiting = list(snapshot.waiting)
        self.calls.clear()
        for record in reversed(snapshot.recent_calls):  # oldest first, so the newest ends up in front
            window = self.windows.get(record.window_no)
            self.calls.appendleft(
                CallShown(
                    ticket=record.ticket_number,
                    window=record.window_no,
                    window_name=window.name if window else f"{record.window_no}号窗口",
                    category_code=record.category_code,
                    recall=record.call_count > 1,
                    at=record.called_at,
                )
            )
        self.synced = True
        self.stale_since = None
        self._saw_server_time(snapshot.as_of)
        self._changed()

    def apply_event(self, message: EventMessage) -> CallShown | None:
        """Apply one event; a call or recall this screen shows is returned (for the voice to announce)."""
        event = message.event
        self._saw_server_time(event.recorded_at)
        if message.waiting:
            self.waiting = list(message.waiting)
        if message.window is not None:
            self.windows[message.window.number] = message.window
        shown: CallShown | None = None
        ticket = message.ticket
        if ticket is not None and ticket.window_no is not None:
            self._ticket_at_window(event.event_type, ticket)
            if event.event_type in CALL_EVENTS and self.shows_call(ticket.window_no, ticket.category_code):
                window = self.windows.get(ticket.window_no)
                shown = CallShown(
                    ticket=ticket.number,
                    window=ticket.window_no,
                    window_name=window.name if window else f"{ticket.window_no}号窗口",
                    category_code=ticket.category_code,
                    recall=event.event_type is EventType.TICKET_RECALLED,
                    at=event.occurred_at,
                )
                self.calls.appendleft(shown)
        if event.event_type is EventType.NOTICE_POSTED and isinstance(event.data.get("notice"), str):
            self.notice = event.data["notice"]
        self._changed()
        return shown

    def _ticket_at_window(self, event_type: EventType, ticket: TicketOut) -> None:
        assert ticket.window_no is not None
        window = self.windows.get(ticket.window_no)
        if window is None:
            return
        current = window.current_ticket
        if event_type in LEAVING_EVENTS:
            if current is not None and current.id == ticket.id:
                self.windows[window.number] = window.model_copy(update={"current_ticket": None})
        elif event_type.value.startswith("queue.ticket."):
            self.windows[window.number] = window.model_copy(update={"current_ticket": ticket})

    def _saw_server_time(self, moment: datetime) -> None:
        if self.server_time is None or moment > self.server_time:
            self.server_time = moment

    def mark_stale(self, since: datetime) -> None:
        if self.stale_since is None:
            self.stale_since = since
            self._changed()

    def _changed(self) -> None:
        self.version += 1

    # --- the page's view model ----------------------------------------------------------------------------

    def shown_calls(self) -> list[CallShown]:
        return [c for c in self.calls if self.shows_call(c.window, c.category_code)][: RECENT_CALLS + 1]

    def view(self) -> dict[str, Any]:
        calls = self.shown_calls()
        windows = [self._window_json(w) for n, w in sorted(self.windows.items()) if self.shows_window(n)]
        waiting = [
            {"code": c.code, "name": c.name, "prefix": c.prefix, "waiting": c.waiting}
            for c in self.waiting
            if self.shows_category(c.code)
        ]
        return {
            "version": self.version,
            "synced": self.synced,
            "hall_name": self.hall_name,
            "time_zone": self.time_zone,
            "profile": self.profile.name,
            "profile_title": self.profile.title,
            "notice": self.notice,
            "latest": calls[0].as_json() if calls else None,
            "calls": [c.as_json() for c in calls[1:]],
            "windows": windows,
            "waiting": waiting,
            "stale_since": self.stale_since.isoformat() if self.stale_since else None,
        }

    @staticmethod
    def _window_json(window: WindowOut) -> dict[str, Any]:
        ticket = window.current_ticket
        number = ticket.number if ticket is not None else ""
        label = STATE_LABELS[window.state]
        if window.state is WindowState.OPEN and not number:
            label = IDLE_LABEL
        elif window.state is WindowState.OPEN and ticket is not None and ticket.status is TicketStatus.CALLED:
            label = CALLED_LABEL
        return {
            "number": window.number,
            "name": window.name,
            "state": window.state.value,
            "label": label,
            "ticket": number if window.state is not WindowState.CLOSED else "",
        }
