"""The ID card reader's plugin for devices.registry.

URLs:
    serial:///dev/ttyUSB0?baud=115200      a reader on a serial port (USB-serial bridges included)
    tcp://10.0.0.9:4001                     a reader behind a serial-to-Ethernet server (raw TCP)
    sim://idcard?card=resident_male         the simulator on a pty, read by the unchanged driver

Driver options (any scheme): baud, timeout, read_timeout (seconds), fingerprint=1 (read with fingerprint).
Simulator options: card=<fixture name | path.json | none>, pace=0 (answer at once instead of at line
rate), sam=fail|unauthorised, delay=<seconds before each answer>, chunk=<bytes per write>,
cycle=<seconds: the card comes and goes>, quiet=1 (find fails once a card has been read), baud,
optional=all|none|address|fingerprint|address,fingerprint (the optional commands the simulated reader has:
30 03 appended address, 30 10 read with fingerprint; the others answer SW3 21 "unknown command").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from devices.errors import DeviceError
from devices.idcard.cards import load_card
from devices.idcard.errors import CommandNotSupportedError
from devices.idcard.layouts import CardType, IdCardData
from devices.idcard.photo import NoLicensedDecoder
from devices.idcard.protocol import (
    OPTIONAL_COMMANDS,
    READ_WITH_FINGERPRINT,
    Cmd,
    Response,
    Sw3,
    format_sam_id,
)
from devices.idcard.reader import DEFAULT_BAUD, SamReader, SamStatus
from devices.idcard.simulator import Faults, IdCardSimulator
from devices.transport import DeviceUrl, DeviceUrlError, RunningSimulator, start_pty_simulator

DRIVER_OPTIONS = {"baud", "timeout", "read_timeout", "fingerprint"}
SIMULATOR_OPTIONS = {"baud", "card", "pace", "sam", "delay", "chunk", "cycle", "quiet", "optional"}
SAM_FAULTS = {"ok": None, "fail": Sw3.SAM_SELFTEST_FAILED, "unauthorised": Sw3.SAM_UNAUTHORISED}
SAM_FAULT_STATUSES = {
    SamStatus.SELFTEST_FAILED: Sw3.SAM_SELFTEST_FAILED,
    SamStatus.UNAUTHORISED: Sw3.SAM_UNAUTHORISED,
}
NOT_AVAILABLE = "不可用：本阅读器不支持此功能"
NUMBER_LABELS = {
    CardType.RESIDENT: "公民身份号码",
    CardType.HMT_PERMIT: "公民身份号码",
    CardType.FOREIGN_PR_OLD: "永久居留证号码",
    CardType.FOREIGN_PR_2023: "证件号码",
}


def open_device(url: DeviceUrl) -> SamReader:
    _reject_unknown(url, DRIVER_OPTIONS | (SIMULATOR_OPTIONS if url.scheme == "sim" else set()))
    if url.scheme == "sim":
        running = start_simulator({k: v for k, v in url.options.items() if k in SIMULATOR_OPTIONS})
        reader = _reader(running.endpoint, url, on_close=running.stop)
    elif url.scheme == "serial":
        reader = _reader(url.target, url)
    elif url.scheme == "tcp":
        reader = _reader(f"socket://{url.target}:{url.port}", url)
    else:
        raise DeviceUrlError(f"{url.raw}: the ID card reader is reached by serial://, tcp:// or sim://")
    try:
        reader.open()
    except DeviceError:
        reader.close()
        raise
    return reader


def start_simulator(options: dict[str, str]) -> RunningSimulator:
    url = DeviceUrl("sim", "idcard", None, options, "sim://idcard")
    _reject_unknown(url, SIMULATOR_OPTIONS)
    card_spec = url.option("card", "none")
    try:
        card = None if card_spec == "none" else load_card(card_spec)
    except ValueError as exc:
        raise DeviceUrlError(f"card={card_spec}: {exc}") from exc
    sam = url.option("sam", "ok")
    if sam not in SAM_FAULTS:
        raise DeviceUrlError(f"sam={sam}: use one of {', '.join(SAM_FAULTS)}")
    faults = Faults(
        sam=SAM_FAULTS[sam],
        delay=url.float_option("delay", 0.0),
        chunk_size=url.int_option("chunk", 0),
        quiet_after_read=url.option("quiet", "0") == "1",
    )
    cycle = url.float_option("cycle", 0.0) or None
    simulator = IdCardSimulator(
        card,
        baud=url.int_option("baud", DEFAULT_BAUD),
        pace=url.option("pace", "1") != "0",
        faults=faults,
        cycle=cycle,
        optional=_optional_commands(url.option("optional", "all")),
    )
    return start_pty_simulator(simulator, "idcard")


def _optional_commands(spec: str) -> frozenset[Cmd]:
    if spec == "all":
        return frozenset(OPTIONAL_COMMANDS.values())
    names = [] if spec == "none" else spec.split(",")
    unknown = sorted(set(names) - set(OPTIONAL_COMMANDS))
    if unknown:
        raise DeviceUrlError(
            f"optional={spec}: use all, none or a comma list of {', '.join(OPTIONAL_COMMANDS)}"
        )
    return frozenset(OPTIONAL_COMMANDS[name] for name in names)


def selftest(url: DeviceUrl) -> Iterator[str]:
    """What a technician reads at the reader: SAM status and number, then every field of the card, in full."""
    reader = open_device(url)
    try:
        yield f"端口: {reader.port_name}（{reader.baud} 波特）"
        status = reader.sam_status()
        yield f"安全模块状态: {status.value}"
        if status is not SamStatus.OK:
            raise Response(0, 0, SAM_FAULT_STATUSES[status], b"").error()
        sam_id = reader.sam_id()
        yield f"安全模块号: {format_sam_id(sam_id)}（{sam_id.hex(' ').upper()}）"
        if not reader.find_card():
            yield "阅读区无证件：放上证件后再运行一次"
            return
        reader.select_card()
        card = reader.read_card(with_fingerprint=True)
        yield from card_lines(card, fingerprint_read=READ_WITH_FINGERPRINT not in reader.unsupported)
        if card.card_type is CardType.RESIDENT:
            yield f"最新住址: {_new_address(reader)}"
    finally:
        reader.close()


def _new_address(reader: SamReader) -> str:
    """An optional command the reader lacks is reported, not failed: the reader works without it."""
    try:
        return reader.read_new_address() or "无"
    except CommandNotSupportedError:
        return f"{NOT_AVAILABLE}（命令 30 03）"


def card_lines(card: IdCardData, *, fingerprint_read: bool = True) -> list[str]:
    named = card.card_type in (CardType.RESIDENT, CardType.HMT_PERMIT)
    rows: list[tuple[str, str | int | None]] = [
        ("证件类型", card.title),
        ("姓名" if named else "中文姓名", card.name or "（无）"),
        ("英文姓名", card.name_en),
        ("性别", f"{card.sex}（{card.sex_code}）"),
        ("民族", card.nation and f"{card.nation}（{card.nation_code}）"),
        ("出生日期", card.birth.isoformat()),
        ("住址", card.address),
        (NUMBER_LABELS[card.card_type], card.id_number),
        ("签发机关", card.authority),
        ("受理机关代码", card.authority_code),
        ("通行证号码", card.pass_number),
        ("签发次数", card.issue_count),
        ("换证次数", card.renewal_count),
        ("国籍/地区", card.nationality),
        ("证件版本", card.card_version),
        ("既往证件号关联项", card.previous_card_link),
        (
            "有效期限",
            f"{card.valid_from.isoformat()} 至 {card.valid_to.isoformat() if card.valid_to else '长期'}",
        ),
        ("相片", f"{len(card.photo_wlt)} 字节 WLT 数据（{NoLicensedDecoder.reason}）"),
        ("指纹", _fingerprint_words(card, fingerprint_read)),
    ]
    return [f"{label}: {value}" for label, value in rows if value is not None]


def _fingerprint_words(card: IdCardData, fingerprint_read: bool) -> str:
    if not fingerprint_read:
        return f"{NOT_AVAILABLE}（命令 30 10），已读文字和相片"
    return f"{len(card.fingerprint)} 字节" if card.fingerprint else "无"


def _reader(port: str, url: DeviceUrl, *, on_close: Callable[[], None] | None = None) -> SamReader:
    return SamReader(
        port,
        baud=url.int_option("baud", DEFAULT_BAUD),
        timeout=url.float_option("timeout", 1.0),
        read_timeout=url.float_option("read_timeout", 3.0),
        with_fingerprint=url.option("fingerprint", "0") == "1",
        on_close=on_close,
    )


def _reject_unknown(url: DeviceUrl, allowed: set[str]) -> None:
    unknown = sorted(set(url.options) - allowed)
    if unknown:
        raise DeviceUrlError(
            f"{url.raw}: unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(allowed))}"
        )
