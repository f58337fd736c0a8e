"""The big-screen page in Debian's Chromium against a real hall server and a real display service: calls
shown and spoken, the notice line, a zone profile, the hall server and the display service restarting.
With YIMEN_SCREENSHOTS=docs/screenshots the pictures of the page are written there."""

from __future__ import annotations

import threading

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from devices.voice import pcm
from hall_server.contract.displays import DisplayProfileIn
from hall_server.contract.queue import IssueTicketRequest, PauseRequest, WindowIn
from tests.conftest import start_server
from tests.display.conftest import screenshot, start_display, wait_for


def issue(client_for, category: str) -> str:
    return client_for("kiosk").issue_ticket(IssueTicketRequest(category_code=category)).number


def call_next(client, window: int) -> str:
    """The clerk finishes the ticket at the window, if any, and calls the next one."""
    if client.window(window).current_ticket is not None:
        client.window_op(window, "start")
        client.window_op(window, "complete")
    ticket = client.call_next(window).ticket
    assert ticket is not None
    return str(ticket.number)


def boot_of(page: Page) -> str | None:
    """The boot id of the service the page loaded from (None while it reloads)."""
    try:
        boot: str | None = page.evaluate("window.yimenDisplay ? window.yimenDisplay.bootId : null")
    except PlaywrightError:  # the page is between two documents
        return None
    return boot


def spoken(display) -> list[dict]:
    return [e for e in display.announcements() if e["outcome"]]


def test_a_call_shows_and_is_spoken(server, hall, client_for, display, screen):
    page = screen()
    page.goto(display.base_url)
    expect(page.locator("#hall-name")).to_have_text("示范县政务服务中心")
    number = issue(client_for, "SOCIAL")
    clerk = client_for("clerk1")
    clerk.window_op(1, "open")
    clerk.call_next(1)
    expect(page.locator("#latest-ticket")).to_have_text(number)
    expect(page.locator("#latest-window")).to_have_text("1号窗口")
    expect(page.locator("#windows li[data-key='1'] .ticket")).to_have_text(number)
    [entry] = wait_for(lambda: spoken(display), what="the announcement")
    assert (entry["ticket"], entry["window"], entry["outcome"]) == (number, 1, "spoken")
    assert entry["rms"] > 100 and entry["seconds"] > 2
    [played] = display.audio.recordings()
    assert pcm.rms(played) > 100  # the sound the PC's speakers would have played

    clerk.window_op(1, "recall")
    expect(page.locator("#latest-recall")).to_be_visible()
    wait_for(lambda: len(spoken(display)) == 2, what="the recall's announcement")
    assert display.announcements()[1]["recall"] is True


def test_two_calls_at_once_are_spoken_in_turn(server, hall, client_for, display, screen):
    page = screen()
    page.goto(display.base_url)
    social, enterprise = issue(client_for, "SOCIAL"), issue(client_for, "ENTERPRISE")
    clerks = [(client_for("clerk1"), 1), (client_for("clerk3"), 3)]
    for clerk, number in clerks:
        clerk.window_op(number, "open")
    threads = [threading.Thread(target=clerk.call_next, args=(number,)) for clerk, number in clerks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expect(page.locator("#windows li[data-key='1'] .ticket")).to_have_text(social)
    expect(page.locator("#windows li[data-key='3'] .ticket")).to_have_text(enterprise)
    expect(page.locator("#calls li")).to_have_count(1)
    first, second = wait_for(lambda: len(spoken(display)) == 2 and spoken(display), what="two announcements")
    assert {first["ticket"], second["ticket"]} == {social, enterprise}
    assert first["outcome"] == second["outcome"] == "spoken"
    assert first["ended_at"] <= second["started_at"]  # one after the other, never overlapped
    assert all(pcm.rms(samples) > 100 for samples in display.audio.recordings())


def test_the_notice_line_posted_by_a_manager_appears(server, hall, client_for, display, screen):
    page = screen()
    page.goto(display.base_url)
    expect(page.locator("#hall-name")).to_have_text("示范县政务服务中心")
    expect(page.locator("#notice")).to_be_hidden()
    client_for("manager").post_notice("今天下午三点起暂停办理出入境业务")
    expect(page.locator("#notice")).to_have_text("今天下午三点起暂停办理出入境业务")
    client_for("manager").post_notice("")
    expect(page.locator("#notice")).to_be_hidden()


def test_a_zone_screen_shows_only_its_windows(server, hall, client_for, display_config, screen):
    client_for("manager").save_display_profile(
        "enterprise", DisplayProfileIn(title="企业服务区", window_numbers=[3], category_codes=["ENTERPRISE"])
    )
    zone = start_display(display_config.model_copy(update={"profile": "enterprise"}))
    try:
        page = screen()
        page.goto(zone.base_url)
        expect(page.locator("#profile-title")).to_have_text("企业服务区")
        expect(page.locator("#windows li")).to_have_count(1)
        expect(page.locator("#waiting li")).to_have_count(1)
        expect(page.locator("#waiting li .c")).to_have_text("企业服务")
        social, enterprise = issue(client_for, "SOCIAL"), issue(client_for, "ENTERPRISE")
        for login, number in (("clerk1", 1), ("clerk3", 3)):
            client_for(login).window_op(number, "open")
            client_for(login).call_next(number)
        expect(page.locator("#latest-ticket")).to_have_text(enterprise)
        wait_for(lambda: spoken(zone), what="the zone's announcement")
        assert [e["ticket"] for e in zone.announcements()] == [enterprise]
        assert social not in page.locator("body").inner_text()

        client_for("manager").save_display_profile(  # the zone grows: the screen follows at once
            "enterprise",
            DisplayProfileIn(title="企业服务区", window_numbers=[2, 3], category_codes=["ENTERPRISE"]),
        )
        expect(page.locator("#windows li")).to_have_count(2)
    finally:
        zone.stop()


def test_the_server_restarting_keeps_the_screen_and_replays_nothing(
    server, hall, client_for, display, screen, settings, clock
):
    page = screen()
    page.goto(display.base_url)
    first = issue(client_for, "SOCIAL")
    client_for("clerk1").window_op(1, "open")
    client_for("clerk1").call_next(1)
    expect(page.locator("#latest-ticket")).to_have_text(first)
    wait_for(lambda: spoken(display), what="the first announcement")
    port = int(server.base_url.rsplit(":", 1)[1])

    server.stop()
    expect(page.locator("#stale")).to_be_visible()
    expect(page.locator("#stale")).to_contain_text("数据更新于")
    expect(page.locator("#stale")).to_contain_text("正在重新连接")
    expect(page.locator("#latest-ticket")).to_have_text(first)  # the last state stays on the screen
    screenshot(page, "display-stale")

    again = start_server(settings, clock, port)
    try:
        expect(page.locator("#stale")).to_be_hidden(timeout=15_000)
        expect(page.locator("#latest-ticket")).to_have_text(first)
        second = issue(client_for, "SOCIAL")
        call_next(client_for("clerk1"), 1)
        expect(page.locator("#latest-ticket")).to_have_text(second)
        wait_for(lambda: len(spoken(display)) == 2, what="the second announcement")
        assert [e["ticket"] for e in display.announcements()] == [first, second]  # the first not replayed
    finally:
        again.stop()


def test_the_page_reloads_itself_when_the_display_service_restarts(display_config, display, screen):
    page: Page = screen()
    page.goto(display.base_url)
    expect(page.locator("#hall-name")).to_have_text("示范县政务服务中心")
    assert boot_of(page) == display.service.boot_id
    display.stop()
    expect(page.locator("#stale")).to_be_visible()
    restarted = start_display(display_config, display.port)
    try:
        wait_for(lambda: boot_of(page) == restarted.service.boot_id, timeout=15, what="the page to reload")
        expect(page.locator("#hall-name")).to_have_text("示范县政务服务中心")
        expect(page.locator("#stale")).to_be_hidden()
    finally:
        restarted.stop()


def test_screenshots_of_a_busy_hall(server, hall, client_for, display, screen):
    numbers = [
        issue(client_for, category) for category in ["SOCIAL"] * 6 + ["ENTERPRISE"] * 5 + ["PICKUP"] * 2
    ]
    for login, window in (("clerk1", 1), ("clerk2", 2), ("clerk3", 3), ("clerk4", 4)):
        client_for(login).window_op(window, "open")
    for login, window in (
        ("clerk1", 1),
        ("clerk3", 3),
        ("clerk2", 2),
        ("clerk1", 1),
        ("clerk3", 3),
        ("clerk4", 4),
    ):
        call_next(client_for(login), window)
    client_for("clerk2").window_op(2, "no-show")
    client_for("clerk2").pause(2, PauseRequest())
    latest = call_next(client_for("clerk1"), 1)
    assert latest in numbers
    client_for("manager").post_notice("请携带本人身份证原件；办理企业业务请到企业服务区 3 号窗口")
    for width, height, name in (
        (1920, 1080, "display-1080p"),
        (3840, 2160, "display-4k"),
        (1080, 1920, "display-portrait"),
    ):
        page = screen(width, height)
        page.goto(display.base_url)
        expect(page.locator("#latest-ticket")).to_have_text(latest)
        expect(page.locator("#windows li[data-key='2'] .label")).to_have_text("暂停服务")
        expect(page.locator("#notice")).to_contain_text("请携带本人身份证原件")
        # nothing spills out of the screen
        overflow = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert overflow == [width, height], (name, overflow)
        screenshot(page, name)


def test_the_page_does_not_grow_as_calls_go_by(server, hall, client_for, display, screen):
    page = screen()
    page.goto(display.base_url)
    clerk = client_for("clerk1")
    clerk.window_op(1, "open")
    numbers = [issue(client_for, "SOCIAL") for _ in range(16)]
    sizes = []
    for round_ in range(2):
        for number in numbers[round_ * 8 : round_ * 8 + 8]:
            assert call_next(clerk, 1) == number
            expect(page.locator("#latest-ticket")).to_have_text(number)
        sizes.append(page.evaluate("document.getElementsByTagName('*').length"))
    assert sizes[0] == sizes[1]  # the same nodes, updated in place: a page open for days stays the same size


def test_every_window_of_a_big_hall_is_on_the_screen(server, hall, client_for, display, screen):
    """A city hall has 30 windows or more: the cards shrink together; none is cut off by the panel."""
    admin = client_for("admin")
    for number in range(5, 33):
        admin.save_window(WindowIn(number=number, name=f"{number}号综合窗口", category_codes=["SOCIAL"]))
    for width, height in ((1920, 1080), (1080, 1920), (1366, 768)):
        page = screen(width, height)
        page.goto(display.base_url)
        expect(page.locator("#windows li")).to_have_count(32)
        expect(page.locator("#windows li[data-key='32'] .name")).to_have_text("32号窗口")
        cut = page.evaluate(
            """() => {
              const panel = document.getElementById('windows-panel').getBoundingClientRect();
              return [...document.querySelectorAll('#windows li')]
                .filter((li) => {
                  const box = li.getBoundingClientRect();
                  return box.bottom > panel.bottom + 0.5 || box.right > panel.right + 0.5;
                })
                .map((li) => li.dataset.key);
            }"""
        )
        assert cut == [], (width, height, cut)


def test_the_clock_shows_the_halls_time_whatever_the_display_pcs_zone(server, hall, display, screen):
    """The display PC is set to New York: the page still shows the hall's time (Asia/Shanghai, the server's
    configured zone, given with every view), to the hour and the date."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    page = screen(timezone_id="America/New_York")
    page.goto(display.base_url)
    expect(page.locator("#hall-name")).to_have_text("示范县政务服务中心")
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "America/New_York"
    assert display.state()["time_zone"] == "Asia/Shanghai"

    def shown_matches() -> bool:
        before = datetime.now(ZoneInfo("Asia/Shanghai"))
        shown_time, shown_date = page.locator("#time").text_content(), page.locator("#date").text_content()
        after = datetime.now(ZoneInfo("Asia/Shanghai"))
        return any(
            shown_time is not None
            and shown_time.startswith(f"{moment.hour:02d}:")
            and shown_date is not None
            and shown_date.startswith(f"{moment.year}年{moment.month}月{moment.day}日")
            for moment in (before, after)
        )

    wait_for(shown_matches, timeout=30, what="the hall's hour and date on the page's clock")
    new_york = datetime.now(ZoneInfo("America/New_York"))
    browser_hour = page.evaluate("new Date().getHours()")
    assert browser_hour in (new_york.hour, (new_york.hour + 1) % 24)  # the PC's own clock differs by 13 h
