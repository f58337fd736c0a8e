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
    # -- take a ticket (h-ticket): the identify step, the keypad, issuing, the handout ----------------------
    "identify.title": ("请将身份证放在感应区", "Place your ID card on the reader"),
    "identify.hint": (
        "请将证件平放在下方读卡区，读取完成前请勿移开",
        "Lay the card flat on the reader below and keep it there until it has been read",
    ),
    "identify.reading": ("正在读取证件，请勿移开……", "Reading the card, please keep it there..."),
    "identify.read_failed": (
        "没有读到证件信息，请将证件重新平放在感应区；也可以点击“手工输入证件号码”",
        "The card could not be read. Place it flat on the reader again, or type the number instead",
    ),
    "identify.reader_unavailable": (
        "读卡器暂时无法使用，请手工输入证件号码",
        "The card reader is not working. Please type your ID number",
    ),
    "identify.use_keypad": ("没带证件？手工输入证件号码", "No card? Type the number"),
    "identify.use_card": ("改用身份证读卡", "Use the ID card instead"),
    "identify.keypad_title": ("请输入证件号码", "Type the ID number"),
    "identify.company_title": ("请输入证件号码或统一社会信用代码", "Type the ID number or credit code"),
    "identify.kind_prompt": ("证件类型", "Document"),
    "identify.kind.RESIDENT": ("居民身份证", "Resident ID card"),
    "identify.kind.HMT_PERMIT": ("港澳台居民居住证", "HK/Macao/Taiwan residence permit"),
    "identify.kind.FOREIGN_PR_2023": ("外国人永久居留身份证", "Foreign permanent resident ID"),
    "identify.kind.USCC": ("企业统一社会信用代码", "Company credit code (USCC)"),
    "identify.typed_empty": ("（尚未输入）", "(nothing typed yet)"),
    "identify.typed_count": ("已输入 {count}/18 位", "{count}/18 typed"),
    "identify.read_done": ("已读取：{who}", "Read: {who}"),
    "keypad.backspace": ("退格", "Delete"),
    "keypad.clear": ("清空", "Clear"),
    "keypad.confirm": ("确定", "OK"),
    "ticket.purpose": ("取号", "Take a ticket"),
    "issue.issuing": ("正在为您取号，请稍候……", "Issuing your ticket..."),
    "issue.refused": ("未能取号", "No ticket could be issued"),
    "issue.lost": (
        "与大厅服务器的连接中断，未能取号。请稍后点击“重试”；没有交到您手中的号不会进入排队。",
        "The connection to the hall server was lost; no ticket was issued. Tap Retry in a moment.",
    ),
    "issue.offline": (
        "暂时无法连接大厅服务器，未能取号。请稍后再试，或请现场工作人员帮助。",
        "The hall server cannot be reached; no ticket was issued. Try again later or ask staff.",
    ),
    "issue.no_chooser": (
        "事项选择暂不可用，请现场工作人员帮助取号",
        "Choosing a matter is not available; ask staff",
    ),
    "issue.todo.QUEUE_CLOSED": (
        "可先在“办事指南”中查看所需材料，下一个工作日开门后再来取号；如有急事，请现场工作人员帮助。",
        "Check the materials you need under Service guides and come back on the next working day.",
    ),
    "issue.todo.identity": (
        "请核对证件后重新取号；如证件无法识别，请现场工作人员帮助。",
        "Check your document and try again, or ask staff for help.",
    ),
    "issue.todo.default": ("请稍后重试，或请现场工作人员帮助。", "Try again later, or ask staff for help."),
    "issue.retry": ("重试", "Retry"),
    "handout.your_number": ("您的排队号", "Your number"),
    "handout.people_ahead": ("前面还有 {count} 人等候", "{count} people ahead of you"),
    "handout.wait": ("预计等候约 {minutes} 分钟", "Estimated wait: about {minutes} min"),
    "handout.wait_soon": ("即将叫号，请留意叫号屏", "You will be called soon"),
    "handout.wait_unknown": ("暂无窗口办理此类业务，窗口开放后开始叫号", "No window open for this yet"),
    "handout.printing": ("正在打印号票，请稍候……", "Printing your ticket..."),
    "handout.printed": ("请取走票据", "Please take your ticket"),
    "handout.on_screen": (
        "号票未能打印。请记下号码，或用手机拍下本屏幕；扫描二维码可随时查看排队进度。记好后请点击“我已记下”。",
        "The ticket could not be printed. Note the number or photograph this screen (the QR code follows"
        " your place in line), then tap “I have noted it”.",
    ),
    "handout.noted": ("我已记下", "I have noted it"),
    "handout.done": ("完成", "Done"),
    "handout.qr_hint": ("手机扫码，随时查看排队进度", "Scan to follow your place in line"),
}


def tr(key: str, language: Language, **values: object) -> str:
    zh, en = TEXTS[key]
    text = en if language is Language.EN else zh
    return text.format(**values) if values else text
