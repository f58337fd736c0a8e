"""评价 (EVALUATE): place the ID card, pick a service received today, touch one of five levels; for a 差评,
touch what went wrong."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from kiosk.config import Orientation
from kiosk.controller.evaluate import BAD_REASONS, LEVELS, RateStage, Service
from kiosk.controller.kiosk import KioskController
from kiosk.texts import tr
from kiosk.views.scrolling import TouchList
from kiosk.views.widgets import button, label, set_text

PROMPTS = {
    RateStage.WAIT_CARD: "rate.place_card",
    RateStage.READING: "rate.reading",
    RateStage.SEARCHING: "rate.searching",
    RateStage.CHOOSE: "rate.choose",
    RateStage.NONE: "rate.none",
    RateStage.SENDING: "rate.sending",
    RateStage.DONE: "rate.thanks",
    RateStage.FAILED: "rate.failed",
    RateStage.NO_READER: "rate.no_reader",
}


class EvaluatePage(QWidget):
    def __init__(self, controller: KioskController) -> None:
        super().__init__()
        self.setObjectName("evaluatePage")
        self.controller = controller
        flow = controller.evaluate
        self.title = label("rateTitle", role="title")
        self.prompt = label("ratePrompt", role="big")
        self.services = TouchList("rateServices")
        self.levels = {
            level: button(f"rateLevel{level.value.title().replace('_', '')}", "", partial(flow.rate, level))
            for level in LEVELS
        }
        self.reasons = {
            reason: button(f"rateReason{reason.title()}", "", partial(flow.give_reason, reason))
            for reason in BAD_REASONS
        }
        self.manual = button("rateManualButton", "", flow.type_number, role="secondary")
        self.again = button("rateAgainButton", "", flow.start, role="secondary")
        self.complain = button("rateComplainButton", "", flow.complain)
        self._shown: tuple[list[Service], object] | None = None
        # landscape: two columns, so that five choices in elder type fit 1080 px
        columns = 2 if controller.config.orientation is Orientation.LANDSCAPE else 1
        choices = QVBoxLayout()
        for group in (self.levels.values(), self.reasons.values()):
            grid = QGridLayout()
            grid.setSpacing(16)
            for index, widget in enumerate(group):
                grid.addWidget(widget, index // columns, index % columns)
            choices.addLayout(grid)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(20)
        layout.addWidget(self.title)
        layout.addWidget(self.prompt)
        layout.addWidget(self.services, 1)
        layout.addLayout(choices)
        layout.addStretch(0)
        layout.addWidget(self.manual)
        layout.addWidget(self.again)
        layout.addWidget(self.complain)

    def refresh(self) -> None:
        c = self.controller
        flow, language = c.evaluate, c.language
        stage = flow.stage
        self.title.setText(tr("rate.title", language))
        number = flow.chosen.ticket_number if flow.chosen else ""
        if stage is RateStage.RATE:
            prompt = tr("rate.how", language, number=number)
        elif stage is RateStage.REASON:
            prompt = tr("rate.why", language)
        else:
            prompt = tr(PROMPTS[stage], language)
            if stage is RateStage.WAIT_CARD and flow.card_failed:
                prompt = tr("rate.read_failed", language)
            if stage is RateStage.FAILED and flow.error:
                prompt = flow.error
        self.prompt.setText(prompt)
        bad = stage in (RateStage.FAILED, RateStage.NO_READER)
        self.prompt.setProperty("role", "error" if bad else "big")
        self.prompt.style().polish(self.prompt)
        for level, widget in self.levels.items():
            set_text(widget, flow.level_words(level, language))
            widget.setVisible(stage is RateStage.RATE)
        for reason, widget in self.reasons.items():
            set_text(widget, tr(f"rate.reason.{reason}", language))
            widget.setVisible(stage is RateStage.REASON)
        self.services.setVisible(stage is RateStage.CHOOSE)
        if stage is RateStage.CHOOSE and self._shown != (flow.services, language):
            self._shown = (list(flow.services), language)
            self.services.set_rows([self._service(i, s) for i, s in enumerate(flow.services)])
        set_text(self.manual, tr("lookup.manual", language))
        self.manual.setVisible(stage in (RateStage.WAIT_CARD, RateStage.NO_READER))
        self.manual.setEnabled(c.online)
        set_text(self.again, tr("rate.again", language))
        self.again.setVisible(stage in (RateStage.DONE, RateStage.FAILED, RateStage.NONE))
        set_text(self.complain, tr("home.complaint", language))
        self.complain.setVisible(stage in (RateStage.DONE, RateStage.NONE))
        self.complain.setEnabled(c.online)

    def _service(self, index: int, service: Service) -> QWidget:
        language = self.controller.language
        text = tr(
            "rate.service",
            language,
            number=service.ticket_number,
            what=service.what,
            window=service.window_no,
        )
        if service.rated:
            text += tr("rate.follow_up", language)
        return button(f"rateService{index}", text, partial(self.controller.evaluate.choose, index))
