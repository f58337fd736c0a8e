"""Where a visitor is told, outside the follow page, that they are third in line or called.

This is the adapter point for SMS or WeChat service messages: a real adapter implements `Notifier`, keeps
its own opt-ins (a follow code with the number or openid to send to, stored by the adapter, never in
events or logs) and returns those codes from `opted_in()`; the live publisher then also tracks those
tickets and calls `notify` once per moment. Configured by YIMEN_FOLLOW_NOTIFIER; this build has `log`
(a log line per moment, for trying it out) and `none`. Calls run on the live publisher's thread: an
adapter that talks to a network must hand the message to its own queue and return at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from typing import Protocol

from hall_server.contract.queue import PublicTicketOut
from hall_server.follow.service import Moment, masked

log = logging.getLogger("yimen.follow")


class Notifier(Protocol):
    def opted_in(self) -> Collection[str]:
        """Follow codes of tickets whose visitors asked to be told."""
        ...

    def notify(self, code: str, ticket: PublicTicketOut, moment: Moment) -> None:
        """Tell the visitor of the ticket with follow code `code` (once per ticket and moment)."""
        ...


class NoNotifier:
    def opted_in(self) -> Collection[str]:
        return ()

    def notify(self, code: str, ticket: PublicTicketOut, moment: Moment) -> None:
        return None


class LogNotifier:
    """Logs each moment with the ticket number and a masked code: nothing personal, nothing to open."""

    def __init__(self) -> None:
        self._codes: set[str] = set()
        self._lock = threading.Lock()

    def opt_in(self, code: str) -> None:
        with self._lock:
            self._codes.add(code)

    def opted_in(self) -> Collection[str]:
        with self._lock:
            return frozenset(self._codes)

    def notify(self, code: str, ticket: PublicTicketOut, moment: Moment) -> None:
        log.info(
            "follow notice %s for ticket %s",
            moment.value,
            ticket.number,
            extra={"moment": moment.value, "ticket_no": ticket.number, "code": masked(code)},
        )


def make_notifier(kind: str) -> Notifier:
    return LogNotifier() if kind == "log" else NoNotifier()
