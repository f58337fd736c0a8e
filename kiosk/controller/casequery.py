"""办件查询 on the 我的排队/办件 screen: the case number and the query password from the 受理回执,
typed on the screen's keys, answered with the case's state in the words of the contract (`STATUS_NAMES`,
R3: the same words as the follow page and the counter); a 一件事's joint number answers with the overall state
and each member matter's own. Wrong passwords are counted by the hall server:
after a few it answers 429 CASE_QUERY_LOCKED and this screen says to wait. The password is not kept."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING

from hall_server.client import ApiError
from hall_server.contract.cases import CaseQueryIn, PublicCaseOut
from kiosk.config import Language
from kiosk.texts import tr

if TYPE_CHECKING:
    from kiosk.controller.kiosk import KioskController

NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{3,50}$")
PASSWORD_PATTERN = re.compile(r"^\d{6}$")


class QueryField(StrEnum):
    NUMBER = "number"
    PASSWORD = "password"  # noqa: S105 (a field name, not a secret)


class QueryStage(StrEnum):
    ENTER = "enter"
    SEARCHING = "searching"
    SHOWN = "shown"
    WRONG = "wrong"  # no such case, or a wrong password
    LOCKED = "locked"  # too many wrong passwords: wait
    FAILED = "failed"  # the server could not answer


class CaseQuery:
    def __init__(self, kiosk: KioskController) -> None:
        self.kiosk = kiosk
        self._generation = 0
        self.reset()

    def reset(self) -> None:
        self._generation += 1
        self.number = ""
        self.password = ""
        self.field = QueryField.NUMBER
        self.stage = QueryStage.ENTER
        self.found: PublicCaseOut | None = None
        self.active = False  # the panel replaces the card lookup while the visitor types

    def begin(self) -> None:
        """查询办件: the card lookup gives way to the two fields and the keypad."""
        self.reset()
        self.active = True
        self.kiosk.touch()
        self.kiosk.changed()

    # -- typing ---------------------------------------------------------------------------------------------

    def select(self, field: QueryField) -> None:
        self.field = field
        self.kiosk.changed()

    def press(self, key: str) -> None:
        self.kiosk.touch()
        if self.field is QueryField.NUMBER and len(self.number) < 50:
            self.number += key.upper()
        elif self.field is QueryField.PASSWORD and key.isdigit() and len(self.password) < 6:
            self.password += key
        self.kiosk.changed()

    def backspace(self) -> None:
        if self.field is QueryField.NUMBER:
            self.number = self.number[:-1]
        else:
            self.password = self.password[:-1]
        self.kiosk.changed()

    def clear(self) -> None:
        if self.field is QueryField.NUMBER:
            self.number = ""
        else:
            self.password = ""
        self.kiosk.changed()

    @property
    def complete(self) -> bool:
        return bool(NUMBER_PATTERN.fullmatch(self.number) and PASSWORD_PATTERN.fullmatch(self.password))

    # -- asking the hall server ------------------------------------------------------------------------------

    def submit(self) -> None:
        if not self.complete:
            return
        body = CaseQueryIn(local_case_no=self.number, query_password=self.password)
        self.password = ""  # typed once, not kept
        self.stage, self.found = QueryStage.SEARCHING, None
        generation = self._generation

        def answered(found: PublicCaseOut) -> None:
            if generation == self._generation:
                self.stage, self.found = QueryStage.SHOWN, found
                self.kiosk.changed()
                self.kiosk.speak(self.answer(self.kiosk.language))

        def failed(error: Exception) -> None:
            if generation != self._generation:
                return
            code = error.code if isinstance(error, ApiError) else ""
            self.stage = {"CASE_QUERY_FAILED": QueryStage.WRONG, "CASE_QUERY_LOCKED": QueryStage.LOCKED}.get(
                code, QueryStage.FAILED
            )
            self.kiosk.changed()
            self.kiosk.speak(self.answer(self.kiosk.language))

        if not self.kiosk.call_server(lambda client: client.query_case(body), answered, failed, lost=failed):
            self.stage = QueryStage.FAILED
        self.kiosk.changed()

    def answer(self, lang: Language) -> str:
        """The line the screen shows (and the voice says): the case's state in the contract's words."""
        if self.stage is QueryStage.SHOWN and self.found is not None:
            found = self.found
            text = tr("casequery.shown", lang, matter=found.matter_name, state=found.status_name)
            if found.waybill_no:
                text += tr("casequery.waybill", lang, carrier=found.carrier or "", waybill=found.waybill_no)
            if found.members:  # a 一件事: the overall state, then each member matter's own
                members = [
                    tr("casequery.shown", lang, matter=m.matter_name, state=m.status_name)
                    for m in found.members
                ]
                text += tr("casequery.members", lang, members=tr("casequery.separator", lang).join(members))
            return text
        keys = {
            QueryStage.SEARCHING: "casequery.searching",
            QueryStage.WRONG: "casequery.wrong",
            QueryStage.LOCKED: "casequery.locked",
            QueryStage.FAILED: "casequery.failed",
        }
        return tr(keys[self.stage], lang) if self.stage in keys else ""
