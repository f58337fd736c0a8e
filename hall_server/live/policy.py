"""Who may subscribe to which live topic, and what the `display` topic carries.

Topics by principal kind — each gets what it needs, no more:

| who | topics | why |
|---|---|---|
| display (叫号大屏) | display | calls, windows, waiting counts, the notice line, profile changes |
| kiosk (自助取号机) | display | waiting counts and open windows per category, the day's state |
| evalpad (评价器) | display | service started/completed at its window (ticket id, window number) |
| counter (窗口终端) | display, window:N | its window's queue, with the masked identity the clerk serves by |
| clerk, back_office | display, window:N | the same, on the clerk's own screen |
| manager, admin | hall, display, window:N | everything: the managers' dashboard |
| anyone, even not signed in | ticket:CODE | a visitor's phone: one ticket's public view |

A `ticket:` topic needs no sign-in (the follow page has none) but the code must be a ticket of today, and a
connection may follow a few tickets at most; it carries PublicTicketOut only (number, category, people
ahead, estimate, window). Without sign-in nothing else can be subscribed.

The notice line (`hall.notice.posted`, data `notice`) and display-profile changes
(`hall.display_profile.saved`, data `profile`: the name to refetch) go to `display` as well. Alerts
(`hall.alert.*`) and thresholds go to `hall` only.

Help requests (`hall.help.*`) go to `hall` and every `window:N`, so window staff and a hall guide signed in
on any window see them; never to `display`.

`hall` carries every event as stored (masked identity, applicant reference, notes, follow codes); only
managers get it. `display` is shown on a public screen and reaches every device: it carries ticket numbers,
windows (with the name of the clerk at each, as the window's own sign shows it) and counts, never a follow
code (the bearer secret of a ticket's follow page), an identity, an applicant reference, a note, a staff
id or the `protected` block.
"""

from __future__ import annotations

from typing import Any

from hall_server.auth.principal import Principal
from hall_server.contract.auth import DeviceKind, Role
from hall_server.contract.events import Actor, Envelope
from hall_server.contract.live import EventMessage
from hall_server.contract.load import Snapshot
from hall_server.contract.queue import TicketOut, WindowOut

WINDOW_TOPICS = "window:"
TICKET_TOPICS = "ticket:"
MAX_FOLLOWED_PER_CONNECTION = 4
DEVICE_TOPICS: dict[DeviceKind, tuple[str, ...]] = {
    DeviceKind.DISPLAY: ("display",),
    DeviceKind.KIOSK: ("display",),
    DeviceKind.EVALPAD: ("display",),
    DeviceKind.COUNTER: ("display", WINDOW_TOPICS),
}
STAFF_TOPICS: dict[Role, tuple[str, ...]] = {
    Role.CLERK: ("display", WINDOW_TOPICS),
    Role.BACK_OFFICE: ("display", WINDOW_TOPICS),
    Role.MANAGER: ("hall", "display", WINDOW_TOPICS),
    Role.ADMIN: ("hall", "display", WINDOW_TOPICS),
}
KIND_NAMES: dict[str, str] = {
    DeviceKind.DISPLAY: "叫号大屏",
    DeviceKind.KIOSK: "自助取号机",
    DeviceKind.EVALPAD: "评价器",
    DeviceKind.COUNTER: "窗口终端",
    Role.CLERK: "窗口工作人员",
    Role.BACK_OFFICE: "后台审批人员",
    Role.MANAGER: "大厅管理员",
    Role.ADMIN: "系统管理员",
}
# Event data a public screen may show; everything else in `data` stays on the hall topic.
DISPLAY_DATA = frozenset(
    {
        "ticket_no",
        "queue_code",
        "window_no",
        "call_count",
        "from_window",
        "to_window",
        "to_queue_code",
        "notice",  # hall.notice.posted: the text every hall screen shows
        "profile",  # hall.display_profile.saved: the name of the profile to refetch
    }
)
DISPLAY_REFS = frozenset({"ticket_id", "ticket_no"})


def topics_of(principal: Principal) -> tuple[str, ...]:
    if principal.role is not None:
        return STAFF_TOPICS[principal.role]
    assert principal.device_kind is not None
    return DEVICE_TOPICS[principal.device_kind]


def is_ticket_topic(topic: str) -> bool:
    return topic.startswith(TICKET_TOPICS)


def anonymous_may(topics: list[str]) -> bool:
    """Without sign-in, only ticket topics."""
    return all(is_ticket_topic(topic) for topic in topics)


def refusal(principal: Principal, topic: str) -> str | None:
    """None if `principal` may subscribe to `topic`, else the Chinese message saying what it may."""
    if is_ticket_topic(topic):
        return None
    topics = topics_of(principal)
    if any(topic == t or (t == WINDOW_TOPICS and topic.startswith(t)) for t in topics):
        return None
    kind = principal.role or principal.device_kind
    readable = "、".join("window:<窗口号>" if t == WINDOW_TOPICS else t for t in topics)
    return f"{KIND_NAMES[kind or '']}无权订阅 {topic}，可订阅：{readable}"


def display_ticket(ticket: TicketOut | None) -> TicketOut | None:
    if ticket is None:
        return None
    return ticket.model_copy(
        update={
            "visitor": None,
            "follow_code": "",
            "follow_url": "",
            "transfer_note": "",
            "cancel_reason": "",
            "appointment_id": None,
        }
    )


def display_window(window: WindowOut | None) -> WindowOut | None:
    if window is None:
        return None
    return window.model_copy(
        update={"current_ticket": display_ticket(window.current_ticket), "staff_id": None}
    )


def display_envelope(envelope: Envelope) -> Envelope:
    data: dict[str, Any] = {k: v for k, v in envelope.data.items() if k in DISPLAY_DATA}
    refs: dict[str, Any] = {k: v for k, v in envelope.refs.items() if k in DISPLAY_REFS}
    actor = Actor(kind=envelope.actor.kind)
    return envelope.model_copy(update={"data": data, "refs": refs, "actor": actor, "protected": None})


def display_event(message: EventMessage) -> EventMessage:
    return message.model_copy(
        update={
            "event": display_envelope(message.event),
            "ticket": display_ticket(message.ticket),
            "window": display_window(message.window),
        }
    )


def display_snapshot(snapshot: Snapshot) -> Snapshot:
    windows = [display_window(w) for w in snapshot.windows]
    return snapshot.model_copy(update={"windows": windows, "window_tickets": []})
