"""The picture of a printed ticket: a CJK font, the paper's width, nothing cut off."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from devices.printer import compose
from devices.printer.profiles import PROFILES
from devices.printer.render import Glyph, _font_file, glyph_image
from devices.printer.samples import NOTICE, TICKET, print_on_simulator
from devices.printer.simulator import PAPER_MARGIN


def test_a_cjk_font_from_debian_is_found():
    path, _ = _font_file("regular")
    assert Path(path).name in {"NotoSansCJK-Regular.ttc", "wqy-microhei.ttc"}


def test_hanzi_are_drawn_not_boxes():
    # A missing glyph draws the same "tofu" box for every character; real glyphs differ.
    drawings = {np.array(glyph_image(Glyph(ch, 2, 1, 1, False))).tobytes() for ch in "政务服务中心"}
    assert len(drawings) == 5  # 务 appears twice
    assert glyph_image(Glyph("A", 1, 6, 6, True)).size == (72, 144)


def test_ticket_picture_is_paper_wide_and_ink_stays_inside_the_head():
    for profile in PROFILES.values():
        page = print_on_simulator(compose.ticket_job(TICKET, profile), profile).pages[0]
        pixels = np.array(page.image())
        assert pixels.shape[1] == profile.width_dots + 2 * PAPER_MARGIN
        assert pixels.shape[0] == page.height + 2 * PAPER_MARGIN
        ink_columns = np.flatnonzero((pixels < 128).any(axis=0))
        assert ink_columns.min() >= PAPER_MARGIN
        assert ink_columns.max() < PAPER_MARGIN + profile.width_dots


def test_every_notice_line_fits_the_paper():
    for profile in PROFILES.values():
        page = print_on_simulator(compose.notice_job(NOTICE, profile), profile).pages[0]
        for line in page.elements:
            if hasattr(line, "glyphs"):
                assert sum(glyph.dots[0] for glyph in line.glyphs) <= profile.width_dots, line.text
