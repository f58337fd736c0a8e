"""The follow page over HTTP: served with a strict CSP, a friendly 404 for unknown or expired codes, and
access-log lines that keep only the start of a code."""

from __future__ import annotations

import logging

import httpx

from hall_server.follow.router import MaskFollowCodes
from tests.follow.conftest import issue_social


def test_the_page_of_a_ticket_of_today(server, client_for):
    ticket = issue_social(client_for("kiosk"), 1)[0]
    assert ticket.follow_url == f"/f/{ticket.follow_code}"  # YIMEN_PUBLIC_BASE_URL unset: relative
    response = httpx.get(f"{server.base_url}/f/{ticket.follow_code}")
    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert "排队进度" in response.text and "/f/static/follow.js" in response.text
    assert ticket.number not in response.text  # the script fills it in; the page holds no data itself
    script = httpx.get(f"{server.base_url}/f/static/follow.js")
    assert script.status_code == 200 and "ticket:" in script.text


def test_unknown_and_expired_codes_get_a_friendly_404(server, client_for, clock):
    ticket = issue_social(client_for("kiosk"), 1)[0]
    for code in ("NoSuchCode123", "x", "%E4%B8%AD" * 3, "a" * 200):
        response = httpx.get(f"{server.base_url}/f/{code}")
        assert response.status_code == 404, code
        assert "没有找到该号票" in response.text and "当天有效" in response.text
    clock.advance(days=1)
    expired = httpx.get(f"{server.base_url}/f/{ticket.follow_code}")
    assert expired.status_code == 404 and "没有找到该号票" in expired.text


def test_access_log_lines_keep_four_characters_of_a_code():
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d', None, None)
    record.args = ("127.0.0.1:5000", "GET", "/f/AbCdEfGhIjKlMnOp", "1.1", 200)
    assert MaskFollowCodes().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /f/AbCd… HTTP/1.1" 200'
    record.args = ("127.0.0.1:5000", "GET", "/api/v1/public/tickets/AbCdEfGhIjKlMnOp", "1.1", 200)
    MaskFollowCodes().filter(record)
    assert "AbCdEf" not in record.getMessage() and "/public/tickets/AbCd…" in record.getMessage()
