"""The figures of a simulated day, per hall and in total, as JSON-ready dicts and as a printed table."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from hall_server.simulate.engine import HallResult, VisitorRecord


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (share in 0..1) of the values; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _minutes(values: list[float]) -> dict[str, float | None]:
    mean = sum(values) / len(values) if values else None
    return {
        "mean": _round(mean and mean / 60),
        "p50": _round((p := percentile(values, 0.5)) and p / 60),
        "p90": _round((p := percentile(values, 0.9)) and p / 60),
        "max": _round(max(values) / 60 if values else None),
    }


def _counts(records: list[VisitorRecord]) -> dict[str, int]:
    return {
        "arrivals": len(records),
        "appointments": sum(r.visitor.slot_minute is not None for r in records),
        "served": sum(r.outcome == "served" for r in records),
        "no_shows": sum(r.outcome == "no_show" for r in records),
        "left": sum(r.outcome == "left" for r in records),
        "transfers": sum(r.transferred for r in records),
    }


def _estimates(records: list[VisitorRecord]) -> dict[str, Any]:
    """Issue-time estimate against the wait until the first call, for visitors that were called; and what
    the error would have been had the estimate also counted what it leaves out (`what_if_mae_min`)."""
    called = [r for r in records if r.estimate_s is not None and r.first_called_s is not None]
    if not called:
        return {"compared": 0, "mae_min": None, "bias_min": None, "what_if_mae_min": {}}
    walk = sum(r.visitor.walk_s for r in records) / len(records)

    def error(estimate: Callable[[VisitorRecord], float]) -> tuple[float, float]:
        errors = [estimate(r) - (r.first_called_s or 0) + r.issued_s for r in called]
        return sum(abs(e) for e in errors) / len(errors) / 60, sum(errors) / len(errors) / 60

    def served(r: VisitorRecord) -> float:
        return float(r.estimate_s or 0)

    def walking(r: VisitorRecord) -> float:
        return r.people_ahead * (r.avg_service_s + walk) / r.window_share

    def in_progress(r: VisitorRecord) -> float:
        return (r.people_ahead + 0.5) * r.avg_service_s / r.window_share

    def both(r: VisitorRecord) -> float:
        return (r.people_ahead + 0.5) * (r.avg_service_s + walk) / r.window_share

    mae, bias = error(served)
    variants = {"walk_up": walking, "service_in_progress": in_progress, "both": both}
    return {
        "compared": len(called),
        "mae_min": _round(mae, 2),
        "bias_min": _round(bias, 2),
        "what_if_mae_min": {name: _round(error(f)[0], 2) for name, f in variants.items()},
    }


def _section(records: list[VisitorRecord]) -> dict[str, Any]:
    waits = [r.first_called_s - r.issued_s for r in records if r.first_called_s is not None]
    return {**_counts(records), "wait_min": _minutes(waits), "estimate": _estimates(records)}


def _latency(samples: Iterable[float]) -> dict[str, Any]:
    values = list(samples)
    return {
        "count": len(values),
        "p50_ms": _round((p := percentile(values, 0.5)) and p * 1000, 2),
        "p99_ms": _round((p := percentile(values, 0.99)) and p * 1000, 2),
    }


def hall_report(results: list[HallResult]) -> dict[str, Any]:
    """One hall's figures, or the total of several (`results` of every hall)."""
    records = [r for result in results for r in result.records]
    by_category: dict[str, list[VisitorRecord]] = defaultdict(list)
    for record in records:
        by_category[record.visitor.category].append(record)
    latencies: dict[str, list[float]] = defaultdict(list)
    hourly: dict[int, int] = defaultdict(int)
    for result in results:
        for operation, samples in result.latencies.items():
            latencies[operation].extend(samples)
        for hour, count in result.completions_by_hour.items():
            hourly[hour] += count
    server = [result.server_load.totals for result in results]
    return {
        **_section(records),
        "categories": {code: _section(by_category[code]) for code in sorted(by_category)},
        "served_per_hour": {f"{hour:02d}:00": hourly[hour] for hour in sorted(hourly)},
        "api_latency": {op: _latency(latencies[op]) for op in sorted(latencies)},
        "call_to_display": _latency(s for result in results for s in result.display_latencies),
        "server": {
            "issued": sum(t.issued_today for t in server),
            "served": sum(t.served_today for t in server),
            "no_shows": sum(t.no_show_today for t in server),
            "cancelled": sum(t.cancelled_today for t in server),
            "waiting": sum(t.waiting for t in server),
        },
        "requests": (requests := sum(len(samples) for samples in latencies.values())),
        "requests_per_s": _round(requests / wall if (wall := max(r.wall_seconds for r in results)) else None),
        "wall_seconds": _round(wall, 1),
        "errors": [e for result in results for e in result.errors],
    }


def report(results: list[HallResult], params: dict[str, Any]) -> dict[str, Any]:
    halls = [{"hall": result.hall, "code": result.code, **hall_report([result])} for result in results]
    return {"params": params, "halls": halls, "total": hall_report(results)}


def _fmt(value: object) -> str:
    return "-" if value is None else str(value)


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    cells = [header, *[[_fmt(c) for c in row] for row in rows]]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(
            str(c).rjust(w) if i else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]
    return [lines[0], "  ".join("-" * w for w in widths), *lines[1:]]


def _summary(sections: list[dict[str, Any]]) -> list[str]:
    """One line per hall: waits, throughput, latency and the estimate's error."""
    rows = []
    for section in sections:
        api, wait = section["api_latency"], section["wait_min"]
        rows.append(
            [
                section["hall"],
                section.get("code", ""),
                section["arrivals"],
                section["served"],
                wait["mean"],
                wait["p90"],
                section["estimate"]["mae_min"],
                section["estimate"]["bias_min"],
                section["requests_per_s"],
                api.get("issue", {}).get("p50_ms"),
                api.get("issue", {}).get("p99_ms"),
                api.get("call-next", {}).get("p99_ms"),
                section["call_to_display"]["p99_ms"],
            ]
        )
    header = ["hall", "code", "arrivals", "served", "wait mean", "p90", "MAE", "bias", "req/s"]
    header += ["issue p50", "issue p99", "call p99", "display p99"]
    return [
        *_table(header, rows),
        "   (waits and estimate errors in minutes, latencies in ms; req/s: the simulator's API calls "
        "over the day's wall time, every hall sharing it)",
    ]


def render(result: dict[str, Any]) -> str:
    """The report as text tables: per hall and in total."""
    out: list[str] = []
    params = result["params"]
    out.append(
        f"Simulated day {params['date']}: {params['halls']} hall(s) × {params['windows']} windows, "
        f"{params['visitors']} visitors per hall, seed {params['seed']}, "
        f"{params['displays']} display(s) per hall; one server ({params.get('workers', 1)} process(es)) "
        f"and one {params.get('database', 'sqlite')} database"
    )
    sections = [(f"hall {h['hall']} {h.get('code', '')}".rstrip(), h) for h in result["halls"]]
    if len(sections) > 1:
        out.append("")
        out.extend(_summary([*result["halls"], {**result["total"], "hall": "total", "code": ""}]))
        sections.append(("total", result["total"]))
    for title, section in sections:
        out.append("")
        est = section["estimate"]
        out.append(
            f"== {title}: arrivals {section['arrivals']} (appointments {section['appointments']}), "
            f"served {section['served']}, no-shows {section['no_shows']}, left {section['left']}, "
            f"transfers {section['transfers']}; wait-estimate MAE {_fmt(est['mae_min'])} min "
            f"(bias {_fmt(est['bias_min'])} min, {est['compared']} compared); "
            f"{section['wall_seconds']} s wall, {section['requests']} API calls "
            f"({_fmt(section['requests_per_s'])}/s)"
        )
        what_if = ", ".join(f"{name} {value}" for name, value in est["what_if_mae_min"].items())
        out.append(f"   estimate MAE had it also counted: {what_if or '-'}")
        server = section["server"]
        out.append(
            f"   server's own load figures: issued {server['issued']}, served {server['served']}, "
            f"no-shows {server['no_shows']}, cancelled {server['cancelled']}, waiting {server['waiting']}"
        )
        rows = []
        for code, cat in [*section["categories"].items(), ("ALL", section)]:
            w = cat["wait_min"]
            rows.append(
                [
                    code,
                    cat["arrivals"],
                    cat["served"],
                    cat["no_shows"],
                    cat["left"],
                    cat["transfers"],
                    w["mean"],
                    w["p50"],
                    w["p90"],
                    w["max"],
                    cat["estimate"]["mae_min"],
                    cat["estimate"]["bias_min"],
                ]
            )
        header = [
            "category",
            "arrivals",
            "served",
            "no-show",
            "left",
            "transf",
            "wait mean",
            "p50",
            "p90",
            "max",
            "MAE",
            "bias",
        ]
        out.append("")
        out.extend(_table(header, rows))
        out.append("   (waits and estimate errors in minutes; bias = estimate − actual)")
        out.append("")
        hours = section["served_per_hour"]
        out.extend(_table(["hour", *hours], [["served", *hours.values()]]))
        out.append("")
        api = [[op, v["count"], v["p50_ms"], v["p99_ms"]] for op, v in section["api_latency"].items()]
        display = section["call_to_display"]
        api.append(["call → display", display["count"], display["p50_ms"], display["p99_ms"]])
        out.extend(_table(["operation", "count", "p50 ms", "p99 ms"], api))
    return "\n".join(out)
