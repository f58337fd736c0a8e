"""The statistics section and the hourly chart of the managers' dashboard, in Debian's Chromium against a
real hall server with a morning of tickets."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect

from hall_server.contract.stats import StatsGroup
from tests.manage.busy import busy_morning
from tests.manage.test_live_hall import open_live, still_loaded
from tests.manage.test_sync_panel import screenshot


def test_statistics_by_category_with_definitions_targets_and_export(
    server, hall, client_for, clock, page, tmp_path
):
    busy_morning(client_for, clock)
    open_live(page, server.base_url)
    day = clock.today().isoformat()
    expect(page.locator("#stats-to")).to_have_value(day)
    # Opened on this month by day: one row for today.
    expect(page.locator(f'#stats-rows tr[data-key="{day}"] td[data-field="issued"]')).to_have_text("15")

    page.fill("#stats-from", day)
    page.select_option("#stats-group", "category")
    page.click("#stats-run")
    social = page.locator('#stats-rows tr[data-key="SOCIAL"]')
    expect(social.locator("td").first).to_have_text("社会事务")
    expect(social.locator('td[data-field="issued"]')).to_have_text("9")
    expect(page.locator('#stats-foot td[data-field="issued"]')).to_have_text("15")
    expect(page.locator("#stats-head")).to_contain_text("过号率")
    expect(page.locator("#stats-definitions")).to_contain_text("过号 ÷ 到访（取号）")
    expect(page.locator("#stats-definitions")).to_contain_text("本次统计按 30 分钟计")
    expect(page.locator('#stats-targets [data-key="one_window"] .tf-name')).to_have_text("一窗办结率")

    today = clock.today()
    stats = client_for("manager").stats(date_from=today, date_to=today, group=StatsGroup.CATEGORY)
    served = next(r for r in stats.rows if r.key == "SOCIAL").served
    expect(social.locator('td[data-field="served"]')).to_have_text(str(served))

    with page.expect_download() as download_info:
        page.click("#stats-csv")
    download = download_info.value
    assert download.suggested_filename == f"yimen-stats-category-{day}-{day}.csv"
    text = download.path().read_bytes()
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0][1] == "业务类别"
    assert any(r[:2] == ["SOCIAL", "社会事务"] and r[2] == "9" for r in rows)

    with page.expect_download() as download_info:
        page.click("#stats-xlsx")
    assert download_info.value.suggested_filename.endswith(".xlsx")

    expect(page.locator("#hourly-chart-image")).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    nine = page.locator('#hourly-rows tr[data-hour="9"] td')
    expect(nine.nth(0)).to_have_text("8")  # tickets issued 09:00-09:59 (the chart's bar beside it)
    page.evaluate("document.getElementById('stats-panel').scrollIntoView()")
    screenshot(page, "manage-stats.png", tmp_path)
    assert still_loaded(page)
