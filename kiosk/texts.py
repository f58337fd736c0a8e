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
    # appointment check-in (kiosk/controller/checkin.py, kiosk/views/checkin.py)
    "checkin.title": ("预约签到", "Appointment check-in"),
    "checkin.how": (
        "请将手机上的预约二维码对准下方摄像头，或将身份证放在感应区",
        "Hold the appointment QR code on your phone to the camera, or place your ID card on the reader",
    ),
    "checkin.how_card_only": (
        "摄像头暂不可用，请将身份证放在感应区签到",
        "The camera is not available: place your ID card on the reader to check in",
    ),
    "checkin.working": ("正在签到，请稍候…", "Checking in, please wait…"),
    "checkin.done": ("签到成功（预约优先），您的号码是", "Checked in (appointment priority). Your number:"),
    "checkin.ahead": ("前面还有 {ahead} 人", "{ahead} ahead of you"),
    "checkin.refused": ("未能签到", "Not checked in"),
    "checkin.take_normal": ("取普通号", "Take a normal ticket"),
    "checkin.retry": ("重新签到", "Try again"),
    "checkin.CHECK_IN_TOO_EARLY": (
        "还没到签到时间。请在预约时段开始前 30 分钟内签到。",
        "It is too early to check in: check in within 30 minutes before your time.",
    ),
    "checkin.CHECK_IN_WRONG_DAY": (
        "这不是今天的预约，请在预约当天前来签到。",
        "This appointment is not for today: come on the day of your appointment.",
    ),
    "checkin.APPOINTMENT_EXPIRED": (
        "已超过预约时间，预约不能再签到，请取普通号排队。",
        "Your appointment time has passed: please take a normal ticket.",
    ),
    "checkin.APPOINTMENT_NOT_FOUND": (
        "没有找到这个预约码，请核对手机上的预约信息，或放置身份证签到。",
        "This appointment code is unknown: check it on your phone, or use your ID card.",
    ),
    "checkin.APPOINTMENT_NOT_BOOKED": (
        "这个预约已签到、已取消或已过期，不能再签到。如需办理请取普通号。",
        "This appointment was already used, cancelled or missed: please take a normal ticket.",
    ),
    "checkin.NO_APPOINTMENT_TODAY": (
        "没有查到您今天的预约，请取普通号排队。",
        "You have no appointment today: please take a normal ticket.",
    ),
    "checkin.CODE_UNREADABLE": (
        "这个二维码不是预约码，请出示预约短信或页面上的二维码。",
        "This QR code is not an appointment code: show the one from your booking.",
    ),
    "checkin.OTHER": ("暂时无法签到，请联系现场工作人员。", "Check-in failed: please ask the staff."),
}


def tr(key: str, language: Language, **values: object) -> str:
    zh, en = TEXTS[key]
    text = en if language is Language.EN else zh
    return text.format(**values) if values else text
