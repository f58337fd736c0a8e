"""A matter's guide in plain language: the catalogue's 12 elements turned into titled sections of short
sentences a visitor reads at the kiosk (or takes home printed). What to bring comes first; the legal
wording (basis, type, organisation) last, for those who want it.

Qt-free: the GUIDE and GUIDES screens show these sections, and the printed guide sheet uses the first ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hall_server.contract.catalogue import (
    Material,
    MaterialForm,
    MatterOut,
    ServiceObject,
    TimeLimit,
    TimeUnit,
)
from kiosk.config import Language
from kiosk.texts import tr

SERVICE_OBJECT_NAMES = {
    ServiceObject.NATURAL_PERSON: "个人",
    ServiceObject.ENTERPRISE: "企业",
    ServiceObject.INSTITUTION: "事业单位",
    ServiceObject.SOCIAL_ORGANISATION: "社会组织",
    ServiceObject.GOVERNMENT: "行政机关",
    ServiceObject.OTHER: "其他组织",
}

# The sections a printed guide carries (the one-time notice of materials): what to bring, and how long,
# how much, where. The rest stays on the screen.
PRINTED_SECTIONS = ("materials", "shared", "time", "fees", "where")


@dataclass(frozen=True)
class GuideSection:
    key: str  # materials | shared | time | fees | where | conditions | steps | result | about
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Guide:
    matter_id: int
    name: str
    badges: tuple[str, ...]  # 最多跑一次, 可网上办理
    sections: tuple[GuideSection, ...]

    def section(self, key: str) -> GuideSection | None:
        return next((s for s in self.sections if s.key == key), None)

    def printed(self) -> tuple[GuideSection, ...]:
        return tuple(s for s in self.sections if s.key in PRINTED_SECTIONS)


def guide_of(matter: MatterOut, language: Language = Language.ZH) -> Guide:
    def section(key: str, lines: list[str]) -> GuideSection | None:
        lines = [line for line in lines if line]
        return GuideSection(key, tr(f"guide.{key}", language), tuple(lines)) if lines else None

    sections = [
        section("materials", materials_to_bring(matter, language)),
        section("shared", shared_materials(matter, language)),
        section("time", time_limit_lines(matter, language)),
        section("fees", fee_lines(matter, language)),
        section("where", where_lines(matter, language)),
        section("conditions", [matter.conditions, matter.quantity_limit]),
        section("steps", step_lines(matter)),
        section("result", result_lines(matter, language)),
        section("about", about_lines(matter, language)),
    ]
    badges = [tr("guide.one_visit", language)] if matter.one_visit else []
    if matter.online_available:
        badges.append(tr("guide.online", language))
    return Guide(matter.id, matter.name, tuple(badges), tuple(s for s in sections if s is not None))


def materials_to_bring(matter: MatterOut, language: Language) -> list[str]:
    to_bring = [m for m in matter.materials if not m.obtainable_by_sharing]
    if not matter.materials:
        return [tr("guide.no_materials", language)]
    if not to_bring:
        return [tr("guide.nothing_to_bring", language)]
    return [f"{index}. {material_sentence(m, language)}" for index, m in enumerate(to_bring, start=1)]


def material_sentence(material: Material, language: Language) -> str:
    sentence = f"{material.name}：{how_many(material, language)}"
    if not material.required:
        sentence += tr("guide.if_applicable", language)
    if material.notes:
        sentence += f"。{material.notes.rstrip('。')}"
    return sentence


def how_many(material: Material, language: Language) -> str:
    originals = tr("guide.originals", language, n=material.original_count)
    copies = tr("guide.copies", language, n=material.copy_count)
    if material.form is MaterialForm.ELECTRONIC:
        return tr("guide.electronic", language)
    if material.form is MaterialForm.ORIGINAL_VERIFY:
        return tr("guide.verify", language)
    if material.form is MaterialForm.COPY:
        return copies if material.copy_count else tr("guide.copy", language)
    if material.form is MaterialForm.ORIGINAL_AND_COPY:
        return f"{originals}、{copies}" if material.copy_count else originals
    return originals if material.original_count else tr("guide.original", language)


def shared_materials(matter: MatterOut, language: Language) -> list[str]:
    return [
        f"{m.name}：{tr('guide.shared_mark', language)}" for m in matter.materials if m.obtainable_by_sharing
    ]


def limit_words(limit: TimeLimit, language: Language) -> str:
    if limit.value is None:
        return tr("guide.no_limit", language)
    if limit.value == 0:
        return tr("guide.on_the_spot", language)
    unit = "guide.working_days" if limit.unit is TimeUnit.WORKING_DAY else "guide.natural_days"
    return tr(unit, language, n=limit.value)


def time_limit_lines(matter: MatterOut, language: Language) -> list[str]:
    promised = matter.promised_limit
    lines = [tr("guide.promised", language, limit=limit_words(promised, language))]
    if promised.note and promised.note != limit_words(promised, language):
        lines.append(promised.note)
    legal = matter.legal_limit
    if (legal.value, legal.unit) != (promised.value, promised.unit):
        lines.append(tr("guide.legal", language, limit=limit_words(matter.legal_limit, language)))
    return lines


def yuan(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


def fee_lines(matter: MatterOut, language: Language) -> list[str]:
    fees = matter.fees
    if not fees.charged or not fees.items:
        return [tr("guide.free", language)]
    lines = [
        tr("guide.fee_item", language, name=item.name, amount=yuan(item.amount_yuan)) for item in fees.items
    ]
    if fees.basis:
        lines.append(tr("guide.fee_basis", language, basis=fees.basis))
    return lines


def where_lines(matter: MatterOut, language: Language) -> list[str]:
    lines = []
    if matter.handle_location:
        lines.append(tr("guide.location", language, text=matter.handle_location))
    if matter.handle_hours:
        lines.append(tr("guide.hours", language, text=matter.handle_hours))
    if matter.consult_phone:
        lines.append(tr("guide.phone", language, text=matter.consult_phone))
    if matter.supervise_phone:
        lines.append(tr("guide.supervise_phone", language, text=matter.supervise_phone))
    return lines


def step_lines(matter: MatterOut) -> list[str]:
    return [
        f"{index}. {step.name}" + (f"：{step.description}" if step.description else "")
        for index, step in enumerate(matter.process_steps, start=1)
    ]


def result_lines(matter: MatterOut, language: Language) -> list[str]:
    lines = [tr("guide.result_name", language, text=matter.result.name)]
    if matter.result.delivery:
        lines.append(tr("guide.delivery", language, text=matter.result.delivery))
    return lines


def about_lines(matter: MatterOut, language: Language) -> list[str]:
    objects = "、".join(SERVICE_OBJECT_NAMES[o] for o in matter.service_objects)
    yes, no = tr("guide.yes", language), tr("guide.no", language)
    return [
        tr("guide.type", language, text=matter.type_name),
        tr("guide.org", language, text=matter.implementing_org),
        tr("guide.objects", language, text=objects),
        tr("guide.one_visit_line", language, text=yes if matter.one_visit else no),
        tr("guide.online_line", language, text=yes if matter.online_available else no),
        tr("guide.basis", language, text=matter.legal_basis),
    ]
