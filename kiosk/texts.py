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
    # elder mode, voice and help (h-elder): what each screen says aloud, help requests
    "screen.home": ("首页", "home"),
    "screen.identify": ("读取身份证", "identify"),
    "screen.matters": ("选择事项", "choose a matter"),
    "screen.guide": ("事项指南", "matter guide"),
    "screen.ticket": ("取号结果", "ticket"),
    "screen.checkin": ("预约签到", "check-in"),
    "screen.guides": ("办事指南", "guides"),
    "screen.lookup": ("我的排队", "my tickets"),
    "speak.home": (
        "欢迎使用自助服务机。取号、预约签到、办事指南、查询排队，请点屏幕上的大按钮。需要帮助，请点请工作人员帮助。",
        "Welcome. Tap a large button to take a ticket, check in, read a guide or see your tickets. "
        "Tap Ask staff for help if you need someone.",
    ),
    "speak.identify": (
        "请将身份证放在感应区。没有带身份证，可以在屏幕上输入证件号码。",
        "Place your ID card on the reader, or type your ID number on the screen.",
    ),
    "speak.matters": (
        "请选择您要办理的事项。常办的事项在最上面，也可以按类别找，或者搜索。",
        "Choose what you came to do. Common matters are at the top; you can also browse or search.",
    ),
    "speak.guide": (
        "这是这件事的办事指南，请看需要带的材料。确认办理，请点确认取号。",
        "This is the guide for this matter: check the materials to bring, then tap confirm.",
    ),
    "speak.ticket": (
        "取号成功。请收好号票，留意叫号。",
        "Your ticket is ready. Keep it and listen for your number.",
    ),
    "speak.checkin": (
        "预约签到。请扫描手机上的预约二维码，或者将身份证放在感应区。",
        "Appointment check-in: scan the QR code on your phone, or place your ID card on the reader.",
    ),
    "speak.guides": (
        "办事指南。请选择或者搜索您想了解的事项。",
        "Service guides: choose or search a matter.",
    ),
    "speak.lookup": ("查询我的排队。请将身份证放在感应区。", "My tickets: place your ID card on the reader."),
    "help.sent": ("已通知工作人员，请稍候。", "Staff have been told. Someone will come to you shortly."),
    "help.sending": ("正在通知工作人员……", "Calling staff…"),
    "help.failed": (
        "暂时无法通知工作人员，请直接向现场工作人员求助。",
        "Staff could not be called from here. Please ask any member of staff nearby.",
    ),
    "help.reason": ("自助机「{screen}」页面的访客需要帮助", "A visitor on the {screen} screen needs help"),
    "help.reason_elder": ("（长者模式）", " (elder mode)"),
}


def tr(key: str, language: Language, **values: object) -> str:
    zh, en = TEXTS[key]
    text = en if language is Language.EN else zh
    return text.format(**values) if values else text
