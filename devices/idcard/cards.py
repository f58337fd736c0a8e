"""Synthetic cards for the simulator, demos and tests: fictitious people with checksum-valid numbers.

One card of each of the four types, plus a resident card valid 长期 (and with an address containing
spaces) and one carrying fingerprint data and an appended address. The photo and fingerprint bytes are
deterministic filler of the right size, not real WLT or minutiae data.

`load_card(spec)` takes a fixture name (`resident_male`) or the path of a JSON file with the fields of
IdCardData (dates as YYYY-MM-DD, valid_to "长期" allowed, sex_code and nation_code as codes, optional
"new_address" and "fingerprint": true).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from devices.idcard.layouts import LONG_TERM, NATIONS, SEXES, CardType, IdCardData, encode_card
from devices.idcard.photo import WLT_SIZE

FINGERPRINT_SIZE = 1024


def opaque_bytes(label: str, size: int) -> bytes:
    """Deterministic filler standing for data we keep but never interpret (WLT photo, fingerprints)."""
    blocks = (hashlib.sha256(f"{label}:{i}".encode()).digest() for i in range(size // 32 + 1))
    return b"".join(blocks)[:size]


@dataclass(frozen=True)
class SimCard:
    """What the simulated card answers to a read: the text block as bytes, so tests can corrupt it."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None = None
    new_address: str | None = None

    @classmethod
    def of(cls, card: IdCardData, *, new_address: str | None = None) -> SimCard:
        return cls(encode_card(card), card.photo_wlt, card.fingerprint, new_address)


CARDS: dict[str, IdCardData] = {
    "resident_male": IdCardData(
        card_type=CardType.RESIDENT,
        name="张三",
        sex="男",
        sex_code="1",
        nation="汉",
        nation_code="01",
        birth=date(1990, 3, 7),
        address="北京市东城区示例大街1号",
        id_number="11010119900307651X",
        authority="北京市公安局东城分局",
        valid_from=date(2015, 3, 7),
        valid_to=date(2035, 3, 7),
        photo_wlt=opaque_bytes("resident_male", WLT_SIZE),
    ),
    "resident_longterm": IdCardData(
        card_type=CardType.RESIDENT,
        name="李秀英",
        sex="女",
        sex_code="2",
        nation="回",
        nation_code="03",
        birth=date(1949, 12, 31),
        address="北京市朝阳区示例路 100 号院 2 号楼 3 单元 401 室",
        id_number="11010519491231002X",
        authority="北京市公安局朝阳分局",
        valid_from=date(2010, 1, 15),
        valid_to=None,
        photo_wlt=opaque_bytes("resident_longterm", WLT_SIZE),
    ),
    "resident_minority": IdCardData(
        card_type=CardType.RESIDENT,
        name="阿依古丽·买买提",
        sex="女",
        sex_code="2",
        nation="维吾尔",
        nation_code="05",
        birth=date(2001, 8, 15),
        address="新疆维吾尔自治区乌鲁木齐市天山区示例巷12号",
        id_number="650102200108150269",
        authority="乌鲁木齐市公安局天山区分局",
        valid_from=date(2021, 9, 1),
        valid_to=date(2031, 9, 1),
        photo_wlt=opaque_bytes("resident_minority", WLT_SIZE),
        fingerprint=opaque_bytes("resident_minority:fingerprint", FINGERPRINT_SIZE),
    ),
    "hmt_permit": IdCardData(
        card_type=CardType.HMT_PERMIT,
        name="陈大文",
        sex="男",
        sex_code="1",
        birth=date(1988, 5, 20),
        address="广东省深圳市福田区示例路2号",
        id_number="810000198805201238",
        authority="深圳市公安局",
        valid_from=date(2019, 1, 1),
        valid_to=date(2024, 1, 1),
        pass_number="H60123456",  # noqa: S106 (a pass number, not a password)
        issue_count=1,
        photo_wlt=opaque_bytes("hmt_permit", WLT_SIZE),
    ),
    "foreign_pr_old": IdCardData(
        card_type=CardType.FOREIGN_PR_OLD,
        name="约翰",
        name_en="SMITH, JOHN",
        sex="男",
        sex_code="1",
        birth=date(1990, 1, 1),
        id_number="GBR110090010112",
        nationality="GBR",
        valid_from=date(2016, 1, 1),
        valid_to=date(2026, 1, 1),
        card_version="05",
        authority_code="1100",
        photo_wlt=opaque_bytes("foreign_pr_old", WLT_SIZE),
    ),
    "foreign_pr_2023": IdCardData(
        card_type=CardType.FOREIGN_PR_2023,
        name="玛丽亚",
        name_en="GONZALEZ RODRIGUEZ, MARIA DE LA FUENTE",
        sex="女",
        sex_code="2",
        birth=date(1985, 6, 15),
        id_number="911724198506150024",
        nationality="ESP",
        valid_from=date(2023, 12, 1),
        valid_to=date(2033, 12, 1),
        renewal_count=0,
        photo_wlt=opaque_bytes("foreign_pr_2023", WLT_SIZE),
    ),
}

NEW_ADDRESSES = {"resident_minority": "新疆维吾尔自治区乌鲁木齐市天山区示例路8号"}


def sim_card(name: str) -> SimCard:
    try:
        card = CARDS[name]
    except KeyError:
        raise ValueError(f"no card fixture {name!r}; known: {', '.join(CARDS)}") from None
    return SimCard.of(card, new_address=NEW_ADDRESSES.get(name))


def load_card(spec: str) -> SimCard:
    """A fixture by name, or a card described by a JSON file."""
    if spec in CARDS:
        return sim_card(spec)
    path = Path(spec)
    if path.suffix != ".json" or not path.is_file():
        raise ValueError(f"{spec!r} is neither a card fixture ({', '.join(CARDS)}) nor a JSON file")
    fields: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    new_address = fields.pop("new_address", None)
    return SimCard.of(card_from_fields(fields, label=path.stem), new_address=new_address)


def card_from_fields(fields: dict[str, Any], *, label: str) -> IdCardData:
    values = dict(fields)
    for name in ("birth", "valid_from"):
        values[name] = date.fromisoformat(values[name])
    valid_to = values.get("valid_to", LONG_TERM)
    values["valid_to"] = None if valid_to == LONG_TERM else date.fromisoformat(valid_to)
    values["card_type"] = CardType(values["card_type"])
    values["sex"] = SEXES[values["sex_code"]]
    if values.get("nation_code"):
        values["nation"] = NATIONS[values["nation_code"]]
    values["photo_wlt"] = opaque_bytes(label, WLT_SIZE)
    values["fingerprint"] = (
        opaque_bytes(f"{label}:fingerprint", FINGERPRINT_SIZE) if fields.get("fingerprint") else None
    )
    return IdCardData(**values)
