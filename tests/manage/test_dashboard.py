"""The managers' dashboard page in Debian's Chromium against a real hall server: who may sign in, staying
signed in across a reload, signing out, and the page's own safety headers."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.manage.conftest import sign_in


def test_only_managers_get_in(server, hall, page):
    sign_in(page, server.base_url, "manager", "not-the-password")
    expect(page.locator("#login-error")).to_have_text("登录名或密码不正确")
    expect(page.locator("#app")).to_be_hidden()

    sign_in(page, server.base_url, "clerk1")
    expect(page.locator("#login-error")).to_have_text("此页面仅限大厅管理员使用")
    assert page.evaluate("sessionStorage.length") == 0

    sign_in(page, server.base_url, "manager")
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#hall-name")).to_have_text("示范县政务服务中心")
    expect(page.locator("#user-name")).to_have_text("员工manager")
    expect(page.locator("#sync-none")).to_be_visible()  # this hall has no sync target configured
    expect(page.locator("#updated")).to_contain_text("数据更新于")


def test_a_reload_keeps_the_session_and_signing_out_ends_it(server, hall, page):
    sign_in(page, server.base_url)
    expect(page.locator("#app")).to_be_visible()
    token = page.evaluate("sessionStorage.getItem('yimen.manage.token')")
    page.reload()
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#login")).to_be_hidden()

    page.click("#logout")
    expect(page.locator("#login-error")).to_have_text("已退出登录")
    me = httpx.get(f"{server.base_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401 and me.json()["code"]


def test_an_expired_session_goes_back_to_sign_in(server, hall, page):
    sign_in(page, server.base_url)
    expect(page.locator("#app")).to_be_visible()
    token = page.evaluate("sessionStorage.getItem('yimen.manage.token')")
    httpx.post(f"{server.base_url}/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    expect(page.locator("#login-error")).to_have_text("登录已过期，请重新登录")
    expect(page.locator("#app")).to_be_hidden()


def test_the_page_runs_only_its_own_script_and_is_not_cached(server):
    page = httpx.get(f"{server.base_url}/manage")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert 'data-refresh-ms="300"' in page.text and "{{" not in page.text
    script = httpx.get(f"{server.base_url}/manage/static/manage.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert httpx.get(f"{server.base_url}/manage/", follow_redirects=False).status_code == 307
    missing = httpx.get(f"{server.base_url}/manage/static/nothing.js")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
