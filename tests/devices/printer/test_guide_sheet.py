"""The guide sheet (办事指南, one-time notice of materials) by the real driver on the pty simulator."""

from __future__ import annotations

from dataclasses import replace

import pytest

from devices.printer import compose
from devices.printer.errors import PaperOut
from devices.printer.layouts import SheetSection
from devices.printer.profiles import PROFILES
from devices.printer.samples import GUIDE


@pytest.mark.parametrize("profile", [PROFILES["generic80"], PROFILES["generic58"]], ids=lambda p: p.name)
def test_guide_prints_the_matter_and_every_section(printer_on_pty, profile):
    rig = printer_on_pty(profile)
    result = rig.printer.print_guide(GUIDE)
    assert result.confirmed
    assert rig.simulator.errors == []
    (page,) = rig.simulator.pages
    text = "".join(line.strip() for line in page.lines)
    assert page.lines[0] == "办事指南"
    assert GUIDE.matter in text
    for section in GUIDE.sections:
        assert section.title in page.lines
        for sentence in section.lines:
            assert sentence in text  # wrapped, every character kept and in order
    assert "经营者居民身份证：无需提交（大厅通过数据共享获取）" in text
    assert "打印时间：2024-06-01 09:20" in page.lines
    assert all(compose.text_columns(line) <= profile.columns for line in page.lines)


def test_long_items_continue_indented_under_their_item(printer_on_pty):
    rig = printer_on_pty(PROFILES["generic58"])
    item = "1. 法定代表人、董事、监事和经理的任职文件：原件 1 份。股东会决议或股东决定，须全体股东签字"
    rig.printer.print_guide(replace(GUIDE, sections=(SheetSection("需要带的材料", (item,)),)))
    lines = rig.simulator.pages[0].lines
    first = lines.index(next(line for line in lines if line.startswith("1. ")))
    continued = lines[first + 1]
    assert continued.startswith("  ") and not continued.startswith("   ")
    assert "".join(line.strip() for line in lines[first : first + 4]).startswith(item)


def test_paper_out_refuses_the_guide_and_prints_nothing(printer_on_pty):
    rig = printer_on_pty()
    rig.simulator.set_paper("out")
    with pytest.raises(PaperOut):
        rig.printer.print_guide(GUIDE)
    assert rig.simulator.all_pages() == []
