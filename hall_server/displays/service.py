"""Display profiles (叫号屏配置): what one hall screen shows. The whole-hall profile 'hall' always exists
(empty lists: everything) even if nobody saved it; a zone's profile names its windows and categories."""

from __future__ import annotations

from sqlalchemy import select

from hall_server.catalogue.service import list_categories
from hall_server.contract.displays import WHOLE_HALL, DisplayProfileIn, DisplayProfileOut
from hall_server.contract.events import AggregateType, EventType
from hall_server.core.context import Ctx
from hall_server.core.errors import Invalid, NotFound
from hall_server.displays.models import DisplayProfile
from hall_server.events.service import record
from hall_server.queueing.windows import list_windows

WHOLE_HALL_TITLE = "全厅"


def _whole_hall() -> DisplayProfileOut:
    return DisplayProfileOut(name=WHOLE_HALL, title=WHOLE_HALL_TITLE, window_numbers=[], category_codes=[])


def profile_out(profile: DisplayProfile) -> DisplayProfileOut:
    return DisplayProfileOut(
        name=profile.name,
        title=profile.title,
        window_numbers=list(profile.window_numbers or []),
        category_codes=list(profile.category_codes or []),
    )


def list_profiles(ctx: Ctx) -> list[DisplayProfileOut]:
    """By name; the whole-hall profile first (the implicit one if nobody saved it)."""
    saved = {p.name: profile_out(p) for p in ctx.session.scalars(select(DisplayProfile))}
    whole = saved.pop(WHOLE_HALL, _whole_hall())
    return [whole, *(saved[name] for name in sorted(saved))]


def get_profile(ctx: Ctx, name: str) -> DisplayProfileOut:
    profile = ctx.session.get(DisplayProfile, {"hall_id": ctx.hall_id, "name": name})
    if profile is not None:
        return profile_out(profile)
    if name == WHOLE_HALL:
        return _whole_hall()
    raise NotFound("DISPLAY_PROFILE_NOT_FOUND", f"没有名为 {name} 的叫号屏配置")


def save_profile(ctx: Ctx, name: str, profile_in: DisplayProfileIn) -> DisplayProfileOut:
    """Create or replace; windows and categories must exist. The whole hall shows everything."""
    windows = list(dict.fromkeys(profile_in.window_numbers))
    codes = list(dict.fromkeys(profile_in.category_codes))
    if name == WHOLE_HALL and (windows or codes):
        raise Invalid("WHOLE_HALL_SHOWS_ALL", "全厅配置显示全部窗口和类别，不能限定窗口或类别")
    known_windows = {w.number for w in list_windows(ctx)}
    if unknown := [n for n in windows if n not in known_windows]:
        raise Invalid(
            "WINDOW_NOT_FOUND", f"没有这些窗口：{'、'.join(f'{n} 号' for n in unknown)}", {"windows": unknown}
        )
    known_codes = {c.code for c in list_categories(ctx)}
    if unknown_codes := [c for c in codes if c not in known_codes]:
        message = f"没有这些窗口类别：{'、'.join(unknown_codes)}"
        raise Invalid("CATEGORY_NOT_FOUND", message, {"categories": unknown_codes})
    profile = ctx.session.get(DisplayProfile, {"hall_id": ctx.hall_id, "name": name})
    if profile is None:
        profile = DisplayProfile(name=name)
        ctx.session.add(profile)
    profile.title = profile_in.title.strip()
    profile.window_numbers = windows
    profile.category_codes = codes
    ctx.session.flush()
    out = profile_out(profile)
    record(
        ctx,
        EventType.DISPLAY_PROFILE_SAVED,
        AggregateType.DISPLAY_PROFILE,
        name,
        {"profile": name, **out.model_dump(mode="json", exclude={"name"})},
    )
    return out
