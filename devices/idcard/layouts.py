"""The 256-byte text block of a card read: four layouts, UCS-2 little-endian, right-padded with `20 00`.

The 2-byte type flag at offset 248 tells the layouts apart: `49 00` (I) old foreign permanent-resident card,
`4A 00` (J) HK/Macau/Taiwan residence permit, `59 00` (Y) 2023 foreign permanent-resident ID card; on a
resident ID card the area is reserved (spaces). Offsets and sizes in bytes:

    offset  居民身份证        港澳台居民居住证 J   外国人永久居留证 I       外国人永久居留身份证 Y
    0       name 30          name 30             name_en 120              name 30
    30      sex 2            sex 2                                        sex 2
    32      nation 4         (reserved 4)                                 renewal_count 4
    36      birth 16         birth 16                                     birth 16
    52      address 70       address 70                                   name_en 70 (chars 1-35)
    120                                          sex 2
    122     id_number 36     id_number 36        id_number 30             id_number 36
    152                                          nationality 6
    158     authority 30     authority 30        name 30                  (reserved 30)
    188     valid_from 16    valid_from 16       valid_from 16            valid_from 16
    204     valid_to 16      valid_to 16         valid_to 16              valid_to 16
    220     (reserved)       pass_number 18      birth 16                 name_en 22 (chars 36-46)
    236                                          card_version 4
    238                      issue_count 4
    240                                          authority_code 8
    242                      (reserved 6)                                 nationality 6
    248     (reserved)       "J" 2               "I" 2                    "Y" 2
    250                      (reserved 6)        (reserved 6)             previous_card_link 6

Dates are YYYYMMDD; valid_to may be 长期 (`7F 95 1F 67`), meaning no end. Sex is a GB/T 2261.1 code, nation
a GB 3304 code. Text is stripped of trailing spaces and NULs only: an address may contain spaces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from devices.idcard import numbers
from devices.idcard.errors import CardDataError, IdNumberError

TEXT_SIZE = 256
LONG_TERM = "长期"
ENCODING = "utf-16-le"


class CardType(StrEnum):
    RESIDENT = "resident"
    HMT_PERMIT = "hmt_permit"
    FOREIGN_PR_OLD = "foreign_pr_old"
    FOREIGN_PR_2023 = "foreign_pr_2023"


CARD_TYPE_TITLES = {
    CardType.RESIDENT: "居民身份证",
    CardType.HMT_PERMIT: "港澳台居民居住证",
    CardType.FOREIGN_PR_OLD: "外国人永久居留证",
    CardType.FOREIGN_PR_2023: "外国人永久居留身份证",
}

SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

NATIONS = {
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝", "08": "壮",
    "09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白", "15": "土家", "16": "哈尼",
    "17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳", "21": "佤", "22": "畲", "23": "高山",
    "24": "拉祜", "25": "水", "26": "东乡", "27": "纳西", "28": "景颇", "29": "柯尔克孜", "30": "土",
    "31": "达斡尔", "32": "仫佬", "33": "羌", "34": "布朗", "35": "撒拉", "36": "毛南", "37": "仡佬",
    "38": "锡伯", "39": "阿昌", "40": "普米", "41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯",
    "45": "鄂温克", "46": "德昂", "47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔", "51": "独龙",
    "52": "鄂伦春", "53": "赫哲", "54": "门巴", "55": "珞巴", "56": "基诺", "97": "其他",
    "98": "外国血统中国籍人士",
}  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class IdCardData:
    """One card as read. Personal fields are left out of repr() so that a logged object leaks nothing."""

    card_type: CardType
    name: str = field(repr=False)  # Chinese name; "" on an old foreign card without one
    sex: str  # 男 / 女 / 未知 / 未说明
    sex_code: str
    birth: date = field(repr=False)
    id_number: str = field(repr=False)
    valid_from: date
    valid_to: date | None  # None: 长期
    name_en: str | None = field(default=None, repr=False)  # foreign cards
    nation: str | None = None  # resident card, e.g. 汉
    nation_code: str | None = None
    address: str | None = field(default=None, repr=False)  # resident card and J permit
    authority: str | None = None  # 签发机关: resident card and J permit
    pass_number: str | None = field(default=None, repr=False)  # J: 通行证号码
    issue_count: int | None = None  # J: 签发次数
    renewal_count: int | None = None  # Y: 换证次数
    nationality: str | None = None  # I and Y: ISO 3166-1 alpha-3
    card_version: str | None = None  # I: 证件版本
    authority_code: str | None = None  # I: 当次申请受理机关代码
    previous_card_link: str | None = None  # Y: 既往证件号关联项
    photo_wlt: bytes = field(default=b"", repr=False)  # 1024 opaque WLT bytes, see photo.py
    fingerprint: bytes | None = field(default=None, repr=False)
    raw_text: bytes = field(default=b"", repr=False, compare=False)

    @property
    def title(self) -> str:
        return CARD_TYPE_TITLES[self.card_type]


@dataclass(frozen=True)
class Field:
    name: str
    offset: int
    size: int


FLAG = Field("flag", 248, 2)
FLAGS = {"J": CardType.HMT_PERMIT, "I": CardType.FOREIGN_PR_OLD, "Y": CardType.FOREIGN_PR_2023}
FLAG_OF = {card_type: flag for flag, card_type in FLAGS.items()}
Y_NAME_EN_HEAD = 35  # characters of the English name in the first field of the Y layout

LAYOUTS: dict[CardType, tuple[Field, ...]] = {
    CardType.RESIDENT: (
        Field("name", 0, 30), Field("sex", 30, 2), Field("nation", 32, 4), Field("birth", 36, 16),
        Field("address", 52, 70), Field("id_number", 122, 36), Field("authority", 158, 30),
        Field("valid_from", 188, 16), Field("valid_to", 204, 16),
    ),
    CardType.HMT_PERMIT: (
        Field("name", 0, 30), Field("sex", 30, 2), Field("birth", 36, 16), Field("address", 52, 70),
        Field("id_number", 122, 36), Field("authority", 158, 30), Field("valid_from", 188, 16),
        Field("valid_to", 204, 16), Field("pass_number", 220, 18), Field("issue_count", 238, 4),
    ),
    CardType.FOREIGN_PR_OLD: (
        Field("name_en", 0, 120), Field("sex", 120, 2), Field("id_number", 122, 30),
        Field("nationality", 152, 6), Field("name", 158, 30), Field("valid_from", 188, 16),
        Field("valid_to", 204, 16), Field("birth", 220, 16), Field("card_version", 236, 4),
        Field("authority_code", 240, 8),
    ),
    CardType.FOREIGN_PR_2023: (
        Field("name", 0, 30), Field("sex", 30, 2), Field("renewal_count", 32, 4), Field("birth", 36, 16),
        Field("name_en", 52, 70), Field("id_number", 122, 36), Field("valid_from", 188, 16),
        Field("valid_to", 204, 16), Field("name_en_more", 220, 22), Field("nationality", 242, 6),
        Field("previous_card_link", 250, 6),
    ),
}  # fmt: skip

NUMBER_CHECKS = {
    CardType.RESIDENT: numbers.check_resident_number,
    CardType.HMT_PERMIT: numbers.check_hmt_permit_number,
    CardType.FOREIGN_PR_OLD: numbers.check_foreign_pr_old_number,
    CardType.FOREIGN_PR_2023: numbers.check_foreign_pr_2023_number,
}


def card_type_of(text: bytes) -> CardType:
    if len(text) != TEXT_SIZE:
        raise CardDataError("证件文字信息长度错误", detail=f"{len(text)} bytes")
    flag = _read(text, FLAG).strip(" \x00")
    if not flag:
        return CardType.RESIDENT
    try:
        return FLAGS[flag]
    except KeyError:
        raise CardDataError("无法识别的证件类型", detail=f"type flag {flag!r}") from None


def decode_card(text: bytes, photo: bytes = b"", fingerprint: bytes | None = None) -> IdCardData:
    """Decode a text block (and keep the photo and fingerprint bytes as they are); checks the number."""
    card_type = card_type_of(text)
    raw = {f.name: _read(text, f) for f in LAYOUTS[card_type]}
    if card_type is CardType.FOREIGN_PR_2023:
        raw["name_en"] += raw.pop("name_en_more")
    values = {name: value.rstrip(" \x00") for name, value in raw.items()}
    _check_number(card_type, values["id_number"])
    optional = {name: value or None for name, value in values.items()}
    return IdCardData(
        card_type=card_type,
        name=values["name"],
        name_en=optional.get("name_en"),
        sex=_sex(values["sex"]),
        sex_code=values["sex"],
        nation=_nation(values["nation"]) if "nation" in values else None,
        nation_code=optional.get("nation"),
        birth=_date(values["birth"], "出生日期"),
        address=optional.get("address"),
        id_number=values["id_number"],
        authority=optional.get("authority"),
        valid_from=_date(values["valid_from"], "有效期起始日期"),
        valid_to=None if values["valid_to"] == LONG_TERM else _date(values["valid_to"], "有效期截止日期"),
        pass_number=optional.get("pass_number"),
        issue_count=_count(optional.get("issue_count"), "签发次数"),
        renewal_count=_count(optional.get("renewal_count"), "换证次数"),
        nationality=optional.get("nationality"),
        card_version=optional.get("card_version"),
        authority_code=optional.get("authority_code"),
        previous_card_link=optional.get("previous_card_link"),
        photo_wlt=photo,
        fingerprint=fingerprint,
        raw_text=text,
    )


def encode_card(card: IdCardData) -> bytes:
    """The text block a card of this content carries (for the simulator and fixtures; checks nothing)."""
    text = bytearray(" ".encode(ENCODING) * (TEXT_SIZE // 2))
    values = _field_values(card)
    for f in LAYOUTS[card.card_type]:
        _write(text, f, values.get(f.name) or "")
    if card.card_type in FLAG_OF:
        _write(text, FLAG, FLAG_OF[card.card_type])
    return bytes(text)


def decode_address(data: bytes) -> str:
    """The appended address (command 30 03): 70 bytes, the same UCS-2LE padding as the text block."""
    return data.decode(ENCODING, errors="replace").rstrip(" \x00")


def encode_address(address: str) -> bytes:
    text = bytearray(" ".encode(ENCODING) * 35)
    _write(text, Field("address", 0, 70), address)
    return bytes(text)


def _field_values(card: IdCardData) -> dict[str, str | None]:
    values: dict[str, str | None] = {
        "name": card.name,
        "sex": card.sex_code,
        "nation": card.nation_code,
        "birth": card.birth.strftime("%Y%m%d"),
        "address": card.address,
        "id_number": card.id_number,
        "authority": card.authority,
        "valid_from": card.valid_from.strftime("%Y%m%d"),
        "valid_to": card.valid_to.strftime("%Y%m%d") if card.valid_to else LONG_TERM,
        "pass_number": card.pass_number,
        "issue_count": None if card.issue_count is None else f"{card.issue_count:02d}",
        "renewal_count": None if card.renewal_count is None else f"{card.renewal_count:02d}",
        "nationality": card.nationality,
        "card_version": card.card_version,
        "authority_code": card.authority_code,
        "previous_card_link": card.previous_card_link,
        "name_en": card.name_en,
    }
    if card.card_type is CardType.FOREIGN_PR_2023 and card.name_en:
        values["name_en"] = card.name_en[:Y_NAME_EN_HEAD].ljust(Y_NAME_EN_HEAD)
        values["name_en_more"] = card.name_en[Y_NAME_EN_HEAD:]
    return values


def _read(text: bytes, f: Field) -> str:
    return text[f.offset : f.offset + f.size].decode(ENCODING, errors="replace")


def _write(text: bytearray, f: Field, value: str) -> None:
    encoded = value.encode(ENCODING)
    if len(encoded) > f.size:
        raise ValueError(f"{f.name} does not fit in {f.size} bytes")
    text[f.offset : f.offset + len(encoded)] = encoded


def _check_number(card_type: CardType, number: str) -> None:
    result = NUMBER_CHECKS[card_type](number)
    if result is numbers.NumberCheck.BAD_FORMAT:
        raise IdNumberError("证件号码格式错误", code="IDCARD_NUMBER_FORMAT", detail=card_type.value)
    if result is numbers.NumberCheck.BAD_CHECKSUM:
        raise IdNumberError("证件号码校验位错误，证件数据有误", detail=card_type.value)


def _sex(code: str) -> str:
    try:
        return SEXES[code]
    except KeyError:
        raise CardDataError("证件性别代码无法识别", detail="sex") from None


def _nation(code: str) -> str:
    try:
        return NATIONS[code]
    except KeyError:
        raise CardDataError("证件民族代码无法识别", detail="nation") from None


def _date(value: str, label: str) -> date:
    try:
        if len(value) != 8 or not value.isdigit():
            raise ValueError(value)
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise CardDataError(f"证件{label}无法识别", detail=label) from None


def _count(value: str | None, label: str) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise CardDataError(f"证件{label}无法识别", detail=label)
    return int(value)
