"""Sign-in throttling that an attacker cannot turn against a clerk.

Locking an account after five wrong passwords lets anyone keep any clerk out of the system. Here failures
are counted under three keys, each within a window of `WINDOW`, and each lock lasts `WINDOW`:

- the account from one address (`login_max_failures`, 5): the clerk who mistypes, or a guesser at one
  address, waits; the same account from any other address is not affected;
- one address, whatever accounts it tries (`login_address_max_failures`, 20): one machine guessing many
  accounts is stopped;
- the account from addresses it has never signed in from (`login_account_max_failures`, 20): guessing one
  password from many addresses is bounded, while the clerk's own window computer (an address the account
  signed in from successfully in the last `KNOWN_FOR`) still signs in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from hall_server.auth.models import LoginThrottle, StaffAddress
from hall_server.core.context import Ctx
from hall_server.core.db import upsert_statement
from hall_server.core.errors import TooMany

WINDOW = timedelta(minutes=15)
KNOWN_FOR = timedelta(days=30)


@dataclass(frozen=True)
class Attempt:
    login: str
    address: str
    known_address: bool

    @property
    def pair(self) -> str:
        return f"pair:{self.login}\x1f{self.address}"

    @property
    def from_address(self) -> str:
        return f"addr:{self.address}"

    @property
    def account(self) -> str:
        return f"acct:{self.login}"


def attempt(ctx: Ctx, login: str, address: str, staff_id: int | None) -> Attempt:
    known = staff_id is not None and (
        ctx.session.scalar(
            select(StaffAddress.last_success_at).where(
                StaffAddress.staff_id == staff_id,
                StaffAddress.address == address,
                StaffAddress.last_success_at > ctx.clock.now() - KNOWN_FOR,
            )
        )
        is not None
    )
    return Attempt(login, address, known)


def check(ctx: Ctx, attempt: Attempt) -> TooMany | None:
    """The lock this attempt runs into, if any (before the password is even looked at)."""
    now = ctx.clock.now()
    keys = {
        attempt.pair: "密码错误次数过多，该账号在本机的登录已暂停",
        attempt.from_address: "本机登录失败次数过多，已暂停登录",
    }
    if not attempt.known_address:
        keys[attempt.account] = (
            "该账号在其他电脑上登录失败次数过多，已暂停从新电脑登录，可在本人常用的窗口电脑登录"
        )
    rows = ctx.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    locked = [row for row in rows if row.locked_until is not None and row.locked_until > now]
    if not locked:
        return None
    row = max(locked, key=lambda r: r.locked_until or now)
    assert row.locked_until is not None
    seconds = math.ceil((row.locked_until - now).total_seconds())
    minutes = math.ceil(seconds / 60)
    return TooMany("LOGIN_LOCKED", f"{keys[row.key]}，请 {minutes} 分钟后再试", retry_after=seconds)


def failed(ctx: Ctx, attempt: Attempt) -> None:
    settings = ctx.settings
    _count(ctx, attempt.pair, settings.login_max_failures)
    _count(ctx, attempt.from_address, settings.login_address_max_failures)
    if not attempt.known_address:
        _count(ctx, attempt.account, settings.login_account_max_failures)
    _forget_old(ctx)


def succeeded(ctx: Ctx, attempt: Attempt, staff_id: int) -> None:
    """The account's own count from this address starts again; the address becomes a known one. The
    address's and the account's other counts stay: one good sign-in must not wipe an attacker's record."""
    now = ctx.clock.now()
    ctx.session.execute(
        delete(LoginThrottle).where(LoginThrottle.key == attempt.pair),
        execution_options={"synchronize_session": False},
    )
    table = StaffAddress.__table__
    ctx.session.execute(
        upsert_statement(ctx.session, table)
        .values(staff_id=staff_id, address=attempt.address, last_success_at=now)
        .on_conflict_do_update(index_elements=["staff_id", "address"], set_={"last_success_at": now})
    )


def _count(ctx: Ctx, key: str, limit: int) -> None:
    now = ctx.clock.now()
    ctx.session.execute(
        upsert_statement(ctx.session, LoginThrottle.__table__)
        .values(key=key, failures=0, window_started_at=now, locked_until=None)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = ctx.session.scalars(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).one()
    ctx.session.refresh(row)
    if row.window_started_at <= now - WINDOW:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + WINDOW
        row.failures, row.window_started_at = 0, now


def _forget_old(ctx: Ctx) -> None:
    """Counts whose window and lock are over mean nothing any more: the table stays small under attack.
    Rows another sign-in holds are skipped (SKIP LOCKED), so two pruning sign-ins never wait on each other."""
    now: datetime = ctx.clock.now()
    stale = (
        select(LoginThrottle.key)
        .where(
            LoginThrottle.window_started_at < now - 2 * WINDOW,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
        .with_for_update(skip_locked=True)
    )
    ctx.session.execute(
        delete(LoginThrottle).where(LoginThrottle.key.in_(stale)),
        execution_options={"synchronize_session": False},
    )


def forgive(ctx: Ctx, login: str) -> None:
    """A new password set by an administrator: the account's locks are over (addresses' locks stay)."""
    ctx.session.execute(
        delete(LoginThrottle).where(
            or_(
                LoginThrottle.key == f"acct:{login}",
                LoginThrottle.key.startswith(f"pair:{login}\x1f", autoescape=True),
            )
        ),
        execution_options={"synchronize_session": False},
    )
