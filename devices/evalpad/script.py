"""The scripted visitor both evaluation-pad simulators use: which key is pressed for each request, and when.

`press` lists one action per rating request, in turn, the last one repeating: a level name in any case
(`very_satisfied`, `satisfied`, `basic_satisfied`, `dissatisfied`, `very_dissatisfied`), `none` (nobody
presses: the request times out) or `cancel` (the visitor closes the page; tablet pads only). `delay` is the
seconds from the request to the press.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from devices.evalpad.rating import RatingLevel

Action = RatingLevel | Literal["none", "cancel"]


def parse_action(word: str) -> Action:
    word = word.strip().lower()
    if word in ("none", "cancel"):
        return "none" if word == "none" else "cancel"
    try:
        return RatingLevel(word.upper())
    except ValueError:
        names = ", ".join(level.name.lower() for level in RatingLevel)
        raise ValueError(f"press={word!r}: use one of {names}, none, cancel") from None


@dataclass
class VisitorScript:
    actions: list[Action] = field(default_factory=lambda: [RatingLevel.SATISFIED])
    delay: float = 1.0
    _used: int = 0

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> VisitorScript:
        words = options.get("press", "satisfied").split(",")
        return cls([parse_action(word) for word in words], float(options.get("delay", "1.0")))

    def next_action(self) -> Action:
        action = self.actions[min(self._used, len(self.actions) - 1)]
        self._used += 1
        return action
