"""Choosing a matter against the demo hall's real catalogue: 高频, categories, pinyin search, the guide,
confirming, printing the guide on the pty printer simulator."""

from __future__ import annotations

from kiosk.controller.kiosk import Screen
from kiosk.controller.matters import Mode, PrintState


def opened(headless_kiosk, mode: str = "browse", confirmed: list | None = None):
    controller, runner = headless_kiosk()
    runner.run_until(lambda: controller.online, timeout=15)
    flow = controller.matters
    if mode == "browse":
        flow.browse()
    else:
        flow.choose(lambda matter: confirmed.append(matter))  # type: ignore[union-attr]
    runner.run_until(lambda: flow.high_frequency and flow.categories)
    return controller, runner, flow


def test_browse_lists_high_frequency_first_then_categories(headless_kiosk):
    controller, runner, flow = opened(headless_kiosk)
    assert controller.screen is Screen.GUIDES
    assert all(m.high_frequency for m in flow.shown())
    assert "内地居民结婚登记" in [m.name for m in flow.shown()]
    assert [c.code for c in flow.categories][:2] == ["ENTERPRISE", "SOCIAL_AFFAIRS"]
    flow.pick_category("INVESTMENT")
    runner.run_until(lambda: flow.shown())
    assert {m.category_code for m in flow.shown()} == {"INVESTMENT"}
    assert "企业投资项目备案" in [m.name for m in flow.shown()]
    flow.show_high_frequency()
    assert all(m.high_frequency for m in flow.shown())


def test_pinyin_initials_typed_letter_by_letter(headless_kiosk):
    _, runner, flow = opened(headless_kiosk)
    for letter in "jhdj":
        flow.type_letter(letter)
    assert flow.query == "JHDJ"
    runner.run_until(lambda: flow.results)
    assert flow.shown()[0].name == "内地居民结婚登记"
    flow.backspace()
    assert flow.query == "JHD"
    flow.clear()
    assert flow.query == "" and all(m.high_frequency for m in flow.shown())


def test_choose_shows_the_guide_and_confirm_hands_over_the_matter(headless_kiosk):
    confirmed: list = []
    controller, runner, flow = opened(headless_kiosk, "choose", confirmed)
    assert controller.screen is Screen.MATTERS and flow.mode is Mode.CHOOSE
    marriage = next(m for m in flow.shown() if m.name == "内地居民结婚登记")
    flow.pick(marriage.id)
    assert controller.screen is Screen.GUIDE
    runner.run_until(lambda: flow.guide is not None)
    flow.confirm()
    assert [m.id for m in confirmed] == [marriage.id]
    assert confirmed[0].name == "内地居民结婚登记"
    flow.back_to_list()
    assert controller.screen is Screen.MATTERS and flow.guide is None


def test_print_guide_on_the_ticket_printer(headless_kiosk, simulators):
    controller, runner, flow = opened(headless_kiosk)
    runner.run_until(lambda: controller.devices.works("printer"))
    company = next(m for m in flow.shown() if m.name == "有限责任公司设立登记")
    flow.pick(company.id)
    runner.run_until(lambda: flow.guide is not None)
    flow.print_guide()
    assert flow.print_state is PrintState.PRINTING
    runner.run_until(lambda: flow.print_state is PrintState.PRINTED)
    (page,) = simulators.printer.simulator.pages
    text = "".join(line.strip() for line in page.lines)
    assert "有限责任公司设立登记" in text
    assert "2. 公司章程：原件 1 份" in text
    assert "股东主体资格文件或自然人身份证明：无需提交（大厅通过数据共享获取）" in text
    assert "不收费" in page.lines


def test_paper_out_is_told_to_the_visitor(headless_kiosk, simulators):
    controller, runner, flow = opened(headless_kiosk)
    runner.run_until(lambda: controller.devices.works("printer"))
    simulators.printer.simulator.set_paper("out")
    flow.pick(flow.shown()[0].id)
    runner.run_until(lambda: flow.guide is not None)
    flow.print_guide()
    runner.run_until(lambda: flow.print_state is PrintState.FAILED)
    assert "缺纸" in flow.print_message
    assert simulators.printer.simulator.all_pages() == []
    assert not controller.devices.works("printer")


def test_reset_forgets_the_search_and_the_guide(headless_kiosk):
    controller, runner, flow = opened(headless_kiosk)
    flow.type_letter("B")
    flow.pick(flow.high_frequency[0].id)
    controller.go_home()
    runner.run_pending(wait=0.5)
    assert flow.query == "" and flow.guide is None and flow.matter is None and flow.high_frequency == []
