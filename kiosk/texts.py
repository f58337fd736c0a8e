"""Every sentence the kiosk shows or speaks, in 中文 and English, by key. Qt-free: controllers pick the
sentences the voice speaks, views the ones they show. Keys are stable; tests look text up by key too."""

from __future__ import annotations

from kiosk.config import Language

TEXTS: dict[str, tuple[str, str]] = {
    # home
    "home.title": ("欢迎办事", "Welcome"),
    "home.take_ticket": ("取号", "Take a ticket"),
    "home.check_in": ("预约签到", "Appointment check-in"),
    "home.guides": ("办事指南", "Service guides"),
    "home.my_tickets": ("我的排队/办件", "My tickets"),
    "home.evaluate": ("评价", "Rate a service"),
    "home.waiting": ("当前等候", "Waiting now"),
    "home.waiting_line": ("{name}：{waiting} 人等候", "{name}: {waiting} waiting"),
    "home.no_window": ("{name}：暂无窗口办理", "{name}: no window open"),
    "home.queue_closed": ("今日取号已结束", "Ticketing has closed for today"),
    "common.elder_on": ("长者模式", "Large text"),
    "common.elder_off": ("标准模式", "Standard text"),
    "common.language": ("English", "中文"),
    "common.home": ("返回首页", "Home"),
    "common.back": ("上一步", "Back"),
    "common.help": ("请工作人员帮助", "Ask staff for help"),
    "common.offline": (
        "暂时无法连接大厅服务器，取号等功能暂停，恢复后自动可用。如需帮助请联系现场工作人员。",
        "The hall server cannot be reached. Ticketing is paused and resumes by itself. Staff can help.",
    ),
}


def tr(key: str, language: Language, **values: object) -> str:
    zh, en = TEXTS[key]
    text = en if language is Language.EN else zh
    return text.format(**values) if values else text
