"""Alerts: `evaluate_alerts` compares the alerts the hall wants now (rules.py, device faults, devices gone
silent, open help requests) with the open ones, at most one open per key: it raises the new, clears the gone
(both events on the managers' `hall` topic) and quietly refreshes the figures of those still open. Managers
acknowledge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from hall_server.alerts import rules, thresholds
from hall_server.alerts.models import Alert
from hall_server.alerts.rules import CategoryNow, Wanted, WindowNow, duration
from hall_server.auth.models import Device, Staff
from hall_server.cases import backoffice
from hall_server.contract.alerts import AlertKind, AlertOut, Suggestion
from hall_server.contract.auth import DeviceKind
from hall_server.contract.devicehealth import PartState
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.queue import TicketStatus, WindowState
from hall_server.core import locks
from hall_server.core.context import Ctx
from hall_server.core.errors import Conflict, NotFound
from hall_server.devicehealth.models import DeviceHealth
from hall_server.devicehealth.service import is_stale
from hall_server.events.service import record
from hall_server.help.models import HelpRequest
from hall_server.queueing.load import waiting_counts
from hall_server.queueing.models import Ticket
from hall_server.queueing.tickets import ACTIVE
from hall_server.queueing.windows import list_windows

LIST_LIMIT = 200
KIND_NAMES = {"kiosk": "自助取号机", "counter": "窗口终端", "display": "叫号大屏", "evalpad": "评价器"}
STATE_NAMES = {PartState.FAULT.value: "故障", PartState.ABSENT.value: "未连接"}


@dataclass
class Evaluation:
    raised: int = 0
    cleared: int = 0
    updated: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.raised or self.cleared or self.updated)


def _categories_now(ctx: Ctx) -> list[CategoryNow]:
    return [
        CategoryNow(c.code, c.name, c.waiting, c.longest_wait_seconds, c.open_windows)
        for c in waiting_counts(ctx)
    ]


def _windows_now(ctx: Ctx) -> list[WindowNow]:
    active = {
        t.window_id: t
        for t in ctx.session.scalars(
            select(Ticket).where(Ticket.window_id.is_not(None), Ticket.status.in_(ACTIVE))
        )
    }
    result = []
    for window in list_windows(ctx):
        ticket = active.get(window.id)
        serving = ticket if ticket is not None and ticket.status == TicketStatus.SERVING.value else None
        result.append(
            WindowNow(
                number=window.number,
                open=window.state == WindowState.OPEN.value,
                category_codes=[c.code for c in window.categories],
                may_serve=list(window.may_serve or []),
                busy=ticket is not None,
                serving_ticket=serving.number if serving else None,
                serving_category=serving.category.code if serving else None,
                service_started_at=serving.service_started_at if serving else None,
            )
        )
    return result


def _reported_devices(ctx: Ctx) -> list[tuple[Device, DeviceHealth]]:
    """Active devices that have reported their health at least once, with their latest report, and are not
    switched off: a device whose last report was its orderly shutdown (关机, a kiosk at closing time) is
    neither silent nor faulty until it reports again."""
    rows = ctx.session.execute(
        select(Device, DeviceHealth)
        .join(DeviceHealth, DeviceHealth.device_id == Device.id)
        .where(Device.active.is_(True), DeviceHealth.signed_off.is_(False))
        .order_by(Device.id)
    ).all()
    return [(device, health) for device, health in rows]


def _device_alerts(ctx: Ctx) -> list[Wanted]:
    wanted = []
    for device, health in _reported_devices(ctx):
        bad = [p for p in health.parts or [] if p.get("state") != PartState.OK.value]
        if not bad:
            continue
        parts = "；".join(
            f"{p['kind']}（{p['url_or_name']}）{STATE_NAMES.get(p['state'], p['state'])}"
            + (f" {p['code']}" if p.get("code") else "")
            + (f" {p['message']}" if p.get("message") else "")
            for p in bad
        )
        kind = KIND_NAMES.get(device.kind, device.kind)
        wanted.append(
            Wanted(
                AlertKind.DEVICE_FAULT,
                f"{AlertKind.DEVICE_FAULT}:{device.id}",
                f"设备故障：{kind} {device.name}",
                f"{kind} {device.name}：{parts}",
                value=len(bad),
                device_id=device.id,
            )
        )
    return wanted


def _silent_alerts(ctx: Ctx) -> list[Wanted]:
    """A device that has reported and then stopped: unplugged, crashed or off the network. Raised once its
    last report is stale, cleared by its next report. A counter terminal is left out: it reports only while
    a clerk is signed in, so its silence after work is no fault."""
    wanted = []
    silence = duration(ctx.settings.device_health_stale_seconds)
    for device, health in _reported_devices(ctx):
        if device.kind == DeviceKind.COUNTER.value or not is_stale(ctx, health.reported_at):
            continue
        kind = KIND_NAMES.get(device.kind, device.kind)
        wanted.append(
            Wanted(
                AlertKind.DEVICE_SILENT,
                f"{AlertKind.DEVICE_SILENT}:{device.id}",
                f"设备失联：{kind} {device.name}",
                f"{kind} {device.name} 超过 {silence}未报告状态，请检查电源与网络",
                since=health.reported_at,
                device_id=device.id,
            )
        )
    return wanted


def _help_alerts(ctx: Ctx) -> list[Wanted]:
    requests = ctx.session.scalars(
        select(HelpRequest).where(HelpRequest.resolved_at.is_(None)).order_by(HelpRequest.id)
    )
    return [
        Wanted(
            AlertKind.HELP_REQUESTED,
            f"{AlertKind.HELP_REQUESTED}:{h.id}",
            f"求助：{h.place}",
            f"{h.place}请求工作人员帮助" + (f"：{h.reason}" if h.reason else ""),
            since=h.requested_at,
            help_id=h.id,
        )
        for h in requests
    ]


def _case_alerts(ctx: Ctx) -> list[Wanted]:
    """电子监察: one red and one yellow alert per department with cases overdue or about to be."""
    wanted = []
    for d in backoffice.department_warnings(ctx):
        if d.red:
            wanted.append(
                Wanted(
                    AlertKind.CASE_OVERDUE,
                    f"{AlertKind.CASE_OVERDUE}:{d.department_id}",
                    f"办件超期（红牌）：{d.department_name}",
                    f"{d.department_name}有 {d.red} 件办件已超过承诺办结日期"
                    + (f"，最早应于 {d.oldest_red:%Y-%m-%d} 办结" if d.oldest_red else ""),
                    value=float(d.red),
                )
            )
        if d.yellow:
            wanted.append(
                Wanted(
                    AlertKind.CASE_DUE_SOON,
                    f"{AlertKind.CASE_DUE_SOON}:{d.department_id}",
                    f"办件临近超期（黄牌）：{d.department_name}",
                    f"{d.department_name}有 {d.yellow} 件办件即将到达承诺办结日期",
                    value=float(d.yellow),
                )
            )
    return wanted


def desired(ctx: Ctx) -> list[Wanted]:
    """Every alert the hall's state calls for now, one per key."""
    now = ctx.clock.now()
    hall, limits = thresholds.effective(ctx)
    categories = _categories_now(ctx)
    windows = _windows_now(ctx)
    wanted = [
        *rules.threshold_alerts(now, categories, limits),
        *rules.service_alerts(now, windows, limits, hall),
        *rules.imbalance_alerts(categories, windows, limits),
        *_device_alerts(ctx),
        *_silent_alerts(ctx),
        *_help_alerts(ctx),
        *_case_alerts(ctx),
    ]
    return list({w.key: w for w in wanted}.values())


def _detail(ctx: Ctx, wanted: Wanted, raised_at: datetime) -> str:
    local = ctx.clock.local(wanted.since or raised_at)
    return f"{wanted.detail}（自 {local:%H:%M} 起）"[:300]


def _suggestion(wanted: Wanted) -> dict[str, object] | None:
    return wanted.suggestion.model_dump(mode="json") if wanted.suggestion else None


def _event_data(alert: Alert) -> dict[str, object]:
    return {
        "alert_id": alert.id,
        "kind": alert.kind,
        "key": alert.key,
        "title": alert.title,
        "detail": alert.detail,
        "category_code": alert.category_code,
        "window_no": alert.window_no,
        "value": alert.value,
        "limit": alert.limit,
        "suggestion": alert.suggestion,
    }


def _open_alerts(ctx: Ctx) -> Sequence[Alert]:
    query = select(Alert).where(Alert.cleared_at.is_(None)).order_by(Alert.id).with_for_update()
    return ctx.session.scalars(query).all()


def _raise(ctx: Ctx, wanted: Wanted) -> Alert:
    now = ctx.clock.now()
    alert = Alert(
        kind=wanted.kind.value,
        key=wanted.key,
        title=wanted.title[:100],
        detail=_detail(ctx, wanted, now),
        category_code=wanted.category_code,
        window_no=wanted.window_no,
        device_id=wanted.device_id,
        help_id=wanted.help_id,
        value=wanted.value,
        limit=wanted.limit,
        suggestion=_suggestion(wanted),
        raised_at=now,
        acknowledge_note="",
    )
    ctx.session.add(alert)
    ctx.session.flush()
    record(ctx, EventType.ALERT_RAISED, AggregateType.ALERT, alert.id, _event_data(alert))
    return alert


def _clear(ctx: Ctx, alert: Alert) -> None:
    alert.cleared_at = ctx.clock.now()
    ctx.session.flush()
    record(ctx, EventType.ALERT_CLEARED, AggregateType.ALERT, alert.id, _event_data(alert))


def _refresh(ctx: Ctx, alert: Alert, wanted: Wanted) -> bool:
    """The figures of an alert still open, brought up to date without an event; True if any changed."""
    fresh = {
        "title": wanted.title[:100],
        "detail": _detail(ctx, wanted, alert.raised_at),
        "value": wanted.value,
        "limit": wanted.limit,
        "suggestion": _suggestion(wanted),
    }
    changed = {k: v for k, v in fresh.items() if getattr(alert, k) != v}
    for name, value in changed.items():
        setattr(alert, name, value)
    return bool(changed)


def plan(ctx: Ctx) -> Evaluation:
    """What evaluate_alerts would do now, read only (to skip the write transaction when nothing changes)."""
    wanted = {w.key: w for w in desired(ctx)}
    counts = Evaluation()
    open_keys = set()
    for alert in ctx.session.scalars(select(Alert).where(Alert.cleared_at.is_(None))):
        if alert.key in open_keys or alert.key not in wanted:
            counts.cleared += 1
            continue
        open_keys.add(alert.key)
        w = wanted[alert.key]
        counts.updated += int(
            (alert.value, alert.limit, alert.title, alert.suggestion)
            != (w.value, w.limit, w.title[:100], _suggestion(w))
            or alert.detail != _detail(ctx, w, alert.raised_at)
        )
    counts.raised = len(set(wanted) - open_keys)
    return counts


def evaluate_alerts(ctx: Ctx) -> Evaluation:
    """Raise the alerts wanted and not open, clear the open ones no longer wanted (the condition is gone),
    refresh the rest. Evaluations in any process take turns (an advisory lock: with no alert open, locking
    the open ones would not stop two of them raising the same key), each seeing what the last one wrote."""
    locks.exclusive(ctx, locks.ALERT_EVALUATION)
    opened = _open_alerts(ctx)
    wanted = {w.key: w for w in desired(ctx)}
    result = Evaluation()
    kept: dict[str, Alert] = {}
    for alert in opened:
        if alert.key in kept or alert.key not in wanted:  # gone (or a duplicate of a key already kept)
            _clear(ctx, alert)
            result.cleared += 1
            continue
        kept[alert.key] = alert
        result.updated += int(_refresh(ctx, alert, wanted[alert.key]))
    for key, w in wanted.items():
        if key not in kept:
            _raise(ctx, w)
            result.raised += 1
    ctx.session.flush()
    return result


def list_alerts(ctx: Ctx, open_only: bool) -> list[Alert]:
    query = select(Alert).order_by(Alert.raised_at.desc(), Alert.id.desc())
    if open_only:
        query = query.where(Alert.cleared_at.is_(None))
    return list(ctx.session.scalars(query.limit(LIST_LIMIT)))


def get_alert(ctx: Ctx, alert_id: int, *, lock: bool = False) -> Alert:
    alert = ctx.session.get(Alert, alert_id, with_for_update=lock)
    if alert is None:
        raise NotFound("ALERT_NOT_FOUND", "没有找到该告警")
    return alert


def acknowledge(ctx: Ctx, alert_id: int, note: str) -> Alert:
    """A manager has seen it (and says what was done); once. The alert stays open until its condition goes."""
    alert = get_alert(ctx, alert_id, lock=True)
    if alert.acknowledged_at is not None:
        raise Conflict("ALERT_ALREADY_ACKNOWLEDGED", "该告警已确认")
    assert ctx.principal is not None
    alert.acknowledged_at = ctx.clock.now()
    alert.acknowledged_by_staff_id = ctx.principal.staff_id
    alert.acknowledge_note = note.strip()
    ctx.session.flush()
    record(
        ctx,
        EventType.ALERT_ACKNOWLEDGED,
        AggregateType.ALERT,
        alert.id,
        {"alert_id": alert.id, "kind": alert.kind, "key": alert.key, "note": alert.acknowledge_note},
    )
    return alert


def alert_out(ctx: Ctx, alert: Alert) -> AlertOut:
    staff = ctx.session.get(Staff, alert.acknowledged_by_staff_id) if alert.acknowledged_by_staff_id else None
    return AlertOut(
        id=alert.id,
        kind=AlertKind(alert.kind),
        key=alert.key,
        title=alert.title,
        detail=alert.detail,
        category_code=alert.category_code,
        window_no=alert.window_no,
        device_id=alert.device_id,
        help_id=alert.help_id,
        value=alert.value,
        limit=alert.limit,
        suggestion=Suggestion.model_validate(alert.suggestion) if alert.suggestion else None,
        raised_at=alert.raised_at,
        cleared_at=alert.cleared_at,
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=staff.name if staff else None,
        acknowledge_note=alert.acknowledge_note,
    )
