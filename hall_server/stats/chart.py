"""One day by hour as an SVG chart drawn on the server: bars for arrivals and served, a line for the
average wait. Presentation attributes only (no <style>, no script, no external font), so the dashboard
can inline it under a strict Content-Security-Policy; hall PCs may have no internet."""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from hall_server.contract.stats import HourlyOut, HourStats

WIDTH, HEIGHT = 960, 360
LEFT, RIGHT, TOP, BOTTOM = 56, 64, 48, 56
ARRIVALS_COLOUR = "#4f81bd"
SERVED_COLOUR = "#2e8b57"
WAIT_COLOUR = "#d9534f"
AXIS_COLOUR = "#444444"
GRID_COLOUR = "#dddddd"
FONT = 'font-family="sans-serif" font-size="12"'
OPENING = (8, 17)  # hours always shown (the hall's usual day); wider if tickets came earlier or later


def shown_hours(hours: list[HourStats]) -> list[HourStats]:
    active = [h.hour for h in hours if h.arrivals or h.called or h.served or h.no_show]
    first = min([OPENING[0], *active])
    last = max([OPENING[1], *active])
    return [h for h in hours if first <= h.hour <= last]


def nice_ceiling(value: float) -> float:
    """The axis maximum: 1, 2, 2.5 or 5 × a power of ten, at least `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)  # pragma: no cover


def _fmt(number: float) -> str:
    return f"{number:g}"


def render(data: HourlyOut) -> str:
    hours = shown_hours(data.hours)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    base_y = TOP + plot_h
    count_max = nice_ceiling(max([max(h.arrivals, h.served) for h in hours] + [1]))
    wait_minutes = [h.avg_wait_seconds / 60 if h.avg_wait_seconds is not None else None for h in hours]
    wait_max = nice_ceiling(max([w for w in wait_minutes if w is not None] + [1]))
    slot = plot_w / len(hours)
    bar = slot * 0.35

    def y_count(value: float) -> float:
        return base_y - value / count_max * plot_h

    def y_wait(value: float) -> float:
        return base_y - value / wait_max * plot_h

    title = f"{data.day.isoformat()} 分时段统计"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    # grid and both vertical axes, five steps
    for i in range(6):
        y = base_y - plot_h * i / 5
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="{GRID_COLOUR}" '
            'stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS_COLOUR}" {FONT}>'
            f"{_fmt(count_max * i / 5)}</text>"
        )
        parts.append(
            f'<text x="{LEFT + plot_w + 6}" y="{y + 4:.1f}" text-anchor="start" fill="{WAIT_COLOUR}" {FONT}>'
            f"{_fmt(round(wait_max * i / 5, 1))}</text>"
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base_y}" stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )
    parts.append(
        f'<line x1="{LEFT}" y1="{base_y}" x2="{LEFT + plot_w}" y2="{base_y}" stroke="{AXIS_COLOUR}" '
        'stroke-width="1"/>'
    )
    parts.append(
        f'<line x1="{LEFT + plot_w}" y1="{TOP}" x2="{LEFT + plot_w}" y2="{base_y}" stroke="{WAIT_COLOUR}" '
        'stroke-width="1"/>'
    )
    parts.append(
        f'<text x="{LEFT - 6}" y="{TOP - 12}" text-anchor="end" fill="{AXIS_COLOUR}" {FONT}>人次</text>'
    )
    right = LEFT + plot_w + 6
    parts.append(
        f'<text x="{right}" y="{TOP - 12}" text-anchor="start" fill="{WAIT_COLOUR}" {FONT}>分钟</text>'
    )
    points: list[list[tuple[float, float]]] = [[]]
    for index, hour in enumerate(hours):
        x0 = LEFT + slot * index
        centre = x0 + slot / 2
        wait = wait_minutes[index]
        wait_text = "—" if wait is None else _fmt(round(wait, 1))
        tip = (
            f"{hour.hour}时：取号 {hour.arrivals}，办结 {hour.served}，过号 {hour.no_show}，"
            f"平均等候 {wait_text} 分钟"
        )
        parts.append(f'<g class="hour" data-hour="{hour.hour}">')
        parts.append(f"<title>{escape(tip)}</title>")
        for offset, value, colour in (
            (-bar, hour.arrivals, ARRIVALS_COLOUR),
            (0.0, hour.served, SERVED_COLOUR),
        ):
            top = y_count(value)
            parts.append(
                f'<rect x="{centre + offset:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                f'height="{base_y - top:.1f}" fill="{colour}"/>'
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{base_y + 16}" text-anchor="middle" fill="{AXIS_COLOUR}" {FONT}>'
            f"{hour.hour}</text>"
        )
        parts.append("</g>")
        if wait is None:
            points.append([])
        else:
            points[-1].append((centre, y_wait(wait)))
    for segment in points:
        if len(segment) > 1:
            coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
            parts.append(
                f'<polyline points="{coordinates}" fill="none" stroke="{WAIT_COLOUR}" stroke-width="2.5"/>'
            )
        for x, y in segment:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{WAIT_COLOUR}"/>')
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 14}" text-anchor="middle" '
        f'fill="{AXIS_COLOUR}" {FONT}>时段（时）</text>'
    )
    parts.append(_legend())
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _legend() -> str:
    items = [
        ("rect", ARRIVALS_COLOUR, "取号（人次）"),
        ("rect", SERVED_COLOUR, "办结（人次）"),
        ("line", WAIT_COLOUR, "平均等候（分钟，按首次叫号时段）"),
    ]
    parts = ['<g class="legend">']
    x = LEFT
    for shape, colour, text in items:
        if shape == "rect":
            parts.append(f'<rect x="{x}" y="14" width="14" height="14" fill="{colour}"/>')
        else:
            parts.append(
                f'<line x1="{x}" y1="21" x2="{x + 14}" y2="21" stroke="{colour}" stroke-width="2.5"/>'
            )
        parts.append(f'<text x="{x + 20}" y="26" fill="{AXIS_COLOUR}" {FONT}>{escape(text)}</text>')
        x += 40 + 14 * len(text)
    parts.append("</g>")
    return "".join(parts)
