"""Layouts → bytes: golden vectors for the Chinese text path and the job frame, and the layouts' content."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from escpos.printer import Dummy
from hypothesis import given
from hypothesis import strategies as st

from devices.printer import compose
from devices.printer.errors import UnencodableText
from devices.printer.escpos_parser import EscposParser
from devices.printer.layouts import mask_name
from devices.printer.profiles import PROFILES
from devices.printer.samples import NOTICE, RECEIPT, REFUSAL, TICKET
from devices.printer.simulator import EscposSimulator

P80 = PROFILES["generic80"]
P58 = PROFILES["generic58"]
INIT_CHINESE = b"\x1b\x40\x1c\x26"  # ESC @, FS &
CUT_CHINESE_OFF = b"\x1b\x64\x06\x1d\x56\x00\x1c\x2e"  # ESC d 6, GS V 0, FS .


def test_fullwidth_punctuation_without_hanzi_is_gb18030_not_question_marks():
    assert compose.encode_text("，。：（）《》", "gb18030") == bytes.fromhex("a3aca1a3a3baa3a8a3a9a1b6a1b7")


def test_python_escpos_alone_would_print_question_marks():
    # Why compose bypasses MagicEncode: the same string through python-escpos 3.1's text().
    printer = Dummy()
    printer.text("，。")
    assert printer.output == b"\x1bt\x00??"


def test_punctuation_with_hanzi_is_gb18030():
    assert compose.encode_text("请到（东侧）。", "gb18030") == "请到（东侧）。".encode("gb18030")
    assert compose.encode_text("请到（东侧）。", "gb18030")[:2] == bytes.fromhex("c7eb")


def test_gb18030_reaches_beyond_gbk_and_gbk_refuses():
    assert compose.encode_text("㐀", "gb18030") == bytes.fromhex("8139ee39")
    with pytest.raises(UnencodableText) as raised:
        compose.encode_text("㐀", "gbk")
    assert raised.value.characters == ("㐀",)
    assert compose.encode_text("㐀", "gbk", mark_missing=True) == bytes.fromhex("a1fe")  # 〓


# Outside GBK (Python's codec, which has no € at 0x80 either) and inside GB18030: 𠮷 (a surname, Ext B,
# four bytes), 䶮 (Ext A, two bytes FE9F since GB18030-2005), € (A2E3), ¥ (four bytes; GBK has only ￥).
BEYOND_GBK = {"𠮷": "9534b235", "䶮": "fe9f", "€": "a2e3", "¥": "81308436"}


@pytest.mark.parametrize(("ch", "gb18030"), sorted(BEYOND_GBK.items()))
def test_which_characters_gbk_lacks(ch: str, gb18030: str):
    assert compose.unencodable(ch, "gbk") == [ch]
    assert compose.encode_text(ch, "gb18030").hex() == gb18030
    assert compose.unencodable("￥张三，。·—", "gbk") == []


GBK = replace(P80, encoding="gbk")
NAMED = replace(NOTICE, applicant_name="𠮷祥", hall_name="䶮县政务服务中心", hall_contact="收费：€10 或 ¥80")


@pytest.mark.parametrize("make_job", [compose.notice_job, compose.receipt_job])
def test_a_job_with_characters_outside_gbk_is_refused_naming_all_of_them(make_job):
    layout = NAMED if make_job is compose.notice_job else replace(RECEIPT, applicant_name="𠮷祥", matter="䶮")
    with pytest.raises(UnencodableText) as raised:
        make_job(layout, GBK)
    error = raised.value
    expected = ("䶮", "𠮷", "€", "¥") if make_job is compose.notice_job else ("䶮", "𠮷")  # as printed
    assert error.characters == expected
    assert error.code == "PRINTER_UNENCODABLE_TEXT"
    assert all(ch in error.message for ch in expected) and "GBK" in error.message
    assert "U+20BB7" in error.detail
    make_job(layout, P80)  # GB18030 prints them all


def test_marking_prints_the_visible_mark_and_reports_the_characters():
    job = compose.notice_job(NAMED, replace(GBK, unencodable="mark"))
    assert job.substituted == ("䶮", "𠮷", "€", "¥")
    simulator = EscposSimulator(encoding="gbk")
    simulator.receive(job)
    text = "\n".join(simulator.pages[0].lines)
    assert "〓县政务服务中心" in text and "申请人：〓*" in text and "收费：〓10 或 〓80" in text
    assert "?" not in text
    assert compose.notice_job(NOTICE, P80).substituted == ()


def test_control_characters_cannot_inject_commands():
    assert compose.encode_text("A\x1b@\nB", "gb18030") == b"A @ B"


def test_a_line_is_framed_by_init_chinese_mode_and_cut():
    stream = compose.EscposStream(P80)
    stream.line("取号：A012")
    assert stream.finish() == INIT_CHINESE + "取号：A012".encode("gb18030") + b"\n" + CUT_CHINESE_OFF


@pytest.mark.parametrize(
    ("cutter", "mode", "ending"),
    [
        ("partial", "fs", b"\x1b\x64\x06\x1d\x56\x01\x1c\x2e"),
        ("none", "fs", b"\x1b\x64\x06\x1c\x2e"),
        ("full", "none", b"\x1b\x64\x06\x1d\x56\x00"),
    ],
)
def test_cutter_and_chinese_mode_follow_the_profile(cutter, mode, ending):
    stream = compose.EscposStream(replace(P80, cutter=cutter, chinese_mode=mode))
    job = stream.finish()
    assert job.endswith(ending)
    assert job.startswith(INIT_CHINESE if mode == "fs" else b"\x1b\x40\x1b\x64")


def test_style_uses_gs_size_and_esc_bold():
    stream = compose.EscposStream(P80)
    stream.style(bold=True, magnification=2)
    stream.style()
    assert (
        stream.finish()
        == INIT_CHINESE + b"\x1d\x21\x11\x1b\x45\x01" + b"\x1d\x21\x00\x1b\x45\x00" + CUT_CHINESE_OFF
    )


def test_field_wraps_under_its_value():
    stream = compose.EscposStream(P58)
    stream.field("获取方式：", "大厅三号自助填表台领取，或在网上下载填写。")
    lines = stream.finish()[len(INIT_CHINESE) : -len(CUT_CHINESE_OFF)].decode("gb18030").split("\n")
    assert lines[0] == "获取方式：大厅三号自助填表台领"
    assert lines[1] == "          取，或在网上下载填写。"


def test_ticket_number_is_the_largest_that_fits():
    job = compose.ticket_job(TICKET, P80)
    assert b"\x1d\x21\x55\x1b\x45\x01A012\n" in job  # GS ! 0x55 = 6 x 6
    assert compose.number_magnification("A012", P58) == 5
    assert compose.number_magnification("VIP0123", P58) == 4  # 7 x 12 x 4 = 336 <= 384


def test_ticket_content_bytes():
    job = compose.ticket_job(TICKET, P80)
    for text in (TICKET.hall_name, TICKET.category, TICKET.matter, "前面等候：3 人", "预计等候：约 15 分钟"):
        assert text.encode("gb18030") in job
    assert "取号时间：2024-06-01 09:15".encode("gb18030") in job
    assert job.startswith(INIT_CHINESE)
    assert job.endswith(CUT_CHINESE_OFF)


@pytest.mark.parametrize(("profile", "width_bytes"), [(P80, 72), (P58, 48)])
def test_ticket_qr_is_a_centred_raster_as_wide_as_the_paper(profile, width_bytes):
    job = compose.ticket_job(TICKET, profile)
    rasters = [c for c in EscposParser().feed(job) if c.name == "raster"]
    assert len(rasters) == 1
    mode, width, height = rasters[0].args
    assert (mode, width) == (0, width_bytes)
    assert height > 100


def test_native_qr_sends_the_url_to_the_printer():
    job = compose.ticket_job(TICKET, replace(P80, qr_native=True))
    url = TICKET.follow_url.encode()
    store = b"\x1d\x28\x6b" + (len(url) + 3).to_bytes(2, "little") + b"\x31\x50\x30" + url
    assert b"\x1d\x28\x6b\x04\x00\x31\x41\x32\x00" in job  # model 2
    assert b"\x1d\x28\x6b\x03\x00\x31\x45\x31" in job  # error correction M
    assert store in job
    assert job.index(store) < job.index(b"\x1d\x28\x6b\x03\x00\x31\x51\x30")  # then print


def test_notice_masks_the_applicant_and_lists_every_material():
    job = compose.notice_job(NOTICE, P80)
    assert "张晓明".encode("gb18030") not in job
    assert "申请人：张*明".encode("gb18030") in job
    for material in NOTICE.materials:
        assert material.name.encode("gb18030") in job
    assert "告知日期：2024年6月1日".encode("gb18030") in job


def test_receipt_content_on_the_simulator():
    simulator = EscposSimulator()
    simulator.receive(compose.receipt_job(RECEIPT, P80))
    text = "\n".join(simulator.pages[0].lines)
    assert "受理编号：330106-20240601-000123" in text
    assert "承诺办结：2024年6月4日前" in text
    assert "申请人：张*明" in text
    assert "查询密码：483920（仅此一次打印，请妥善保管）" in text
    assert simulator.errors == []


def test_refusal_notice_masks_the_applicant_and_gives_the_reason():
    job = compose.refusal_job(REFUSAL, P80)
    assert "张晓明".encode("gb18030") not in job
    simulator = EscposSimulator()
    simulator.receive(job)
    text = "\n".join(simulator.pages[0].lines)
    assert text.startswith("不予受理通知书")
    assert "申请人：张*明" in text and "办理事项：食品经营许可（新办）" in text
    assert "理由：申请的经营场所位于居民住宅楼内" in text and "行政复议" in text
    assert "告知日期：2024年6月1日" in text
    assert simulator.errors == [] and simulator.pages[0].cut


def test_receipt_of_an_instant_matter_says_it_was_concluded():
    simulator = EscposSimulator()
    simulator.receive(compose.receipt_job(replace(RECEIPT, concluded=True), P80))
    text = "\n".join(simulator.pages[0].lines)
    assert "办理结果：已当场办结" in text and "承诺办结" not in text


@pytest.mark.parametrize(
    ("name", "masked"), [("张三", "张*"), ("张晓明", "张*明"), ("欧阳娜娜", "欧**娜"), ("李", "李"), ("", "")]
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked
    assert mask_name(masked) == masked


TEXT = st.text(
    alphabet=st.sampled_from(list("政务服务中心，。：（）《》ABC 0123")) | st.characters(codec="gb18030"),
    max_size=120,
).filter(lambda s: all(ord(ch) >= 0x20 for ch in s))


@given(TEXT, st.integers(min_value=4, max_value=48))
def test_wrap_keeps_every_character_and_the_width(text, columns):
    lines = compose.wrap(text, columns)
    assert "".join(lines) == text
    for line in lines:
        assert compose.text_columns(line) <= columns
    for previous, line in itertools.pairwise(lines):
        if line[0] in compose.CLOSING_PUNCTUATION:  # only inside a run of punctuation
            assert previous[-1] in compose.CLOSING_PUNCTUATION
