"""The service catalogue (R3 same-source publication: kiosk, counter and display all read it from here).

Matters are shared regionally (one row per 事项 for every hall); a hall offers a matter through its own
`HallMatter` row (in one of its categories, enabled or not). Everything a hall does with a matter (search,
tickets, appointments) goes through its offering: a matter the hall does not offer is 404
MATTER_NOT_OFFERED there."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin
from sqlalchemy import case, or_, select

from hall_server.catalogue.models import Category, HallMatter, Matter, MatterMaterial
from hall_server.contract import idnumbers as numbers
from hall_server.contract.catalogue import (
    LEVEL_NAMES,
    MATTER_TYPE_NAMES,
    CategoryIn,
    CategoryOut,
    HallMatterIn,
    HallMatterOut,
    Level,
    MatterIn,
    MatterOut,
    MatterSummary,
    MatterType,
)
from hall_server.contract.events import AggregateType, EventType
from hall_server.core.context import Ctx
from hall_server.core.errors import Conflict, Invalid, NotFound
from hall_server.events.service import record

SEARCH_LIMIT = 50


def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) in lower case, for search by 拼音首字母 such as "bdcdj" for 不动产登记."""
    initials = "".join(part[0] for part in lazy_pinyin(name, style=Style.FIRST_LETTER) if part)
    full = "".join(lazy_pinyin(name))
    return initials.lower(), full.lower()


def category_by_code(ctx: Ctx, code: str) -> Category:
    category = ctx.session.scalars(select(Category).where(Category.code == code)).first()
    if category is None:
        raise NotFound("CATEGORY_NOT_FOUND", f"没有编码为 {code} 的窗口类别")
    return category


def list_categories(ctx: Ctx) -> list[Category]:
    return list(ctx.session.scalars(select(Category).order_by(Category.sort_order, Category.id)))


def save_category(ctx: Ctx, category_in: CategoryIn) -> Category:
    category = ctx.session.scalars(select(Category).where(Category.code == category_in.code)).first()
    clash = ctx.session.scalars(
        select(Category).where(Category.prefix == category_in.prefix, Category.code != category_in.code)
    ).first()
    if clash is not None:
        raise Conflict("PREFIX_TAKEN", f"票号前缀 {category_in.prefix} 已用于“{clash.name}”")
    if category is None:
        category = Category(code=category_in.code)
        ctx.session.add(category)
    for key, value in category_in.model_dump(exclude={"code"}).items():
        setattr(category, key, value)
    ctx.session.flush()
    record(
        ctx,
        EventType.CATEGORY_SAVED,
        AggregateType.CATALOGUE,
        f"category:{category.code}",
        category_in.model_dump(mode="json"),
    )
    return category


def check_codes(ctx: Ctx, matter_in: MatterIn) -> None:
    """The coding rules of standards.md §1.2, with lengths from configuration."""
    settings = ctx.settings
    if len(matter_in.catalog_code) != settings.catalog_code_length:
        raise Invalid("CATALOG_CODE_LENGTH", f"基本编码应为 {settings.catalog_code_length} 位")
    if len(matter_in.task_code) != settings.task_code_length:
        raise Invalid("TASK_CODE_LENGTH", f"实施编码应为 {settings.task_code_length} 位")
    if matter_in.catalog_code[2:4] != matter_in.type.value and settings.catalog_code_length == 12:
        raise Invalid("CATALOG_CODE_TYPE", "基本编码第3-4位应为事项类型代码")
    uscc, level, basic = matter_in.task_code[:18], matter_in.task_code[18:19], matter_in.task_code[19:]
    try:
        numbers.validate_uscc(uscc)
        numbers.validate_uscc(matter_in.implementing_org_uscc)
    except numbers.InvalidIdNumber as exc:
        raise Invalid("TASK_CODE_USCC", f"实施编码或实施主体代码：{exc}") from exc
    if (
        uscc != matter_in.implementing_org_uscc
        or level != matter_in.level.value
        or basic != matter_in.catalog_code
    ):
        raise Invalid("TASK_CODE_PARTS", "实施编码应由实施主体统一社会信用代码、行使层级代码和基本编码组成")
    handle = matter_in.handle_item_code
    if handle is not None and (
        len(handle) != settings.handle_item_code_length or not handle.startswith(matter_in.task_code)
    ):
        raise Invalid(
            "HANDLE_ITEM_CODE", f"业务办理项编码应为实施编码加序号，共 {settings.handle_item_code_length} 位"
        )
    promised, legal = matter_in.promised_limit, matter_in.legal_limit
    if (
        promised.value is not None
        and legal.value is not None
        and promised.unit == legal.unit
        and promised.value > legal.value
    ):
        raise Invalid("PROMISED_LIMIT", "承诺办结时限不能长于法定办结时限")


def save_matter(ctx: Ctx, matter_in: MatterIn) -> Matter:
    """Create or update the matter with this basic code (基本编码)."""
    check_codes(ctx, matter_in)
    category = category_by_code(ctx, matter_in.category_code)
    matter = ctx.session.scalars(select(Matter).where(Matter.catalog_code == matter_in.catalog_code)).first()
    if matter is None:
        matter = Matter(catalog_code=matter_in.catalog_code)
        ctx.session.add(matter)
    values = matter_in.model_dump(mode="json", exclude={"materials", "category_code", "catalog_code"})
    for key, value in values.items():
        setattr(matter, key, value)
    matter.pinyin_initials, matter.pinyin_full = pinyin_keys(matter_in.name)
    matter.materials = [
        MatterMaterial(position=index, **material.model_dump(mode="json"))
        for index, material in enumerate(matter_in.materials)
    ]
    ctx.session.flush()
    record(
        ctx,
        EventType.MATTER_SAVED,
        AggregateType.CATALOGUE,
        f"matter:{matter.catalog_code}",
        {"name": matter.name, "task_code": matter.task_code, "category": category.code},
    )
    _offer(ctx, matter, category, enabled=True, event=False)  # this hall offers what it imports
    return matter


def get_matter(ctx: Ctx, matter_id: int) -> Matter:
    """A matter of the regional catalogue, offered in this hall or not."""
    matter = ctx.session.get(Matter, matter_id)
    if matter is None:
        raise NotFound("MATTER_NOT_FOUND", "没有找到该事项")
    return matter


def _offering(ctx: Ctx, matter_id: int) -> HallMatter | None:
    return ctx.session.scalars(select(HallMatter).where(HallMatter.matter_id == matter_id)).first()


def offered(ctx: Ctx, matter_id: int) -> HallMatter:
    """This hall's offering of the matter; 404 MATTER_NOT_FOUND for no such matter, MATTER_NOT_OFFERED for
    one the hall does not offer (or has disabled)."""
    offer = _offering(ctx, matter_id)
    if offer is None or not offer.enabled:
        get_matter(ctx, matter_id)
        raise NotFound("MATTER_NOT_OFFERED", "本大厅不办理该事项")
    return offer


def _offer(
    ctx: Ctx,
    matter: Matter,
    category: Category,
    *,
    enabled: bool,
    sort_order: int | None = None,
    event: bool = True,
) -> HallMatter:
    offer = _offering(ctx, matter.id)
    if offer is None:
        offer = HallMatter(matter_id=matter.id, matter=matter, sort_order=sort_order or 0)
        ctx.session.add(offer)
    elif sort_order is not None:
        offer.sort_order = sort_order
    offer.category_id = category.id
    offer.category = category
    offer.enabled = enabled
    ctx.session.flush()
    if not event:
        return offer
    record(
        ctx,
        EventType.MATTER_OFFERED,
        AggregateType.CATALOGUE,
        f"matter:{matter.catalog_code}",
        {"category": category.code, "enabled": enabled, "sort_order": offer.sort_order},
    )
    return offer


def offer_matter(ctx: Ctx, matter_id: int, offer_in: HallMatterIn) -> HallMatter:
    """This hall offers a matter of the regional catalogue in one of its categories (or changes how)."""
    matter = get_matter(ctx, matter_id)
    category = category_by_code(ctx, offer_in.category_code)
    return _offer(ctx, matter, category, enabled=offer_in.enabled, sort_order=offer_in.sort_order)


def withdraw_matter(ctx: Ctx, matter_id: int) -> None:
    """This hall no longer offers the matter (tickets and appointments already made keep it)."""
    offer = _offering(ctx, matter_id)
    if offer is None:
        get_matter(ctx, matter_id)
        raise NotFound("MATTER_NOT_OFFERED", "本大厅不办理该事项")
    code = offer.matter.catalog_code
    ctx.session.delete(offer)
    ctx.session.flush()
    record(ctx, EventType.MATTER_WITHDRAWN, AggregateType.CATALOGUE, f"matter:{code}", {})


def hall_matters(ctx: Ctx, *, include_unoffered: bool = False) -> list[HallMatterOut]:
    """This hall's offering (enabled or not); with `include_unoffered`, every matter of the regional
    catalogue, those not offered here with `offered` false."""
    offers = ctx.session.scalars(
        select(HallMatter).join(Matter).order_by(HallMatter.sort_order, Matter.name)
    ).all()
    found = [hall_matter_out(offer) for offer in offers]
    if include_unoffered:
        taken = {offer.matter_id for offer in offers}
        rest = ctx.session.execute(select(Matter.id, Matter.catalog_code, Matter.name).order_by(Matter.name))
        found += [
            HallMatterOut(matter_id=id_, catalog_code=code, name=name, offered=False)
            for id_, code, name in rest
            if id_ not in taken
        ]
    return found


def hall_matter_out(offer: HallMatter) -> HallMatterOut:
    return HallMatterOut(
        matter_id=offer.matter_id,
        catalog_code=offer.matter.catalog_code,
        name=offer.matter.name,
        offered=True,
        category_code=offer.category.code,
        category_name=offer.category.name,
        enabled=offer.enabled,
        sort_order=offer.sort_order,
    )


def search_matters(
    ctx: Ctx, q: str = "", category_code: str | None = None, high_frequency: bool | None = None
) -> list[MatterSummary]:
    """Search this hall's offering by name, pinyin initials or full pinyin, and code. Initials also match
    with words left out ("bdcdj" finds 不动产抵押权首次登记), as visitors type the words they remember;
    direct matches come first, then the hall's order, then high-frequency matters."""
    # A summary's columns, not the entities: loading fifty matters (and once their materials) was most of
    # a search's cost, and a summary shows neither materials nor anything else of them.
    query = (
        select(
            Matter.id,
            Matter.catalog_code,
            Matter.name,
            Matter.type,
            Category.code.label("category_code"),
            Matter.high_frequency,
            Matter.one_visit,
            Matter.online_available,
            Matter.pinyin_initials,
        )
        .select_from(HallMatter)
        .join(Matter, Matter.id == HallMatter.matter_id)
        .join(Category, Category.id == HallMatter.category_id)
        .where(HallMatter.enabled.is_(True))
    )
    direct = None
    text = q.strip()
    if text:
        lowered = text.lower()
        direct = or_(
            Matter.name.contains(text),
            Matter.pinyin_initials.contains(lowered),
            Matter.pinyin_full.contains(lowered),
            Matter.catalog_code.startswith(text.upper()),
            Matter.task_code.startswith(text.upper()),
            Matter.local_code == text,
        )
        if lowered.isascii() and lowered.isalpha():
            in_order = "%" + "%".join(lowered) + "%"
            query = query.where(or_(direct, Matter.pinyin_initials.like(in_order)))
        else:
            query = query.where(direct)
    if category_code:
        query = query.where(HallMatter.category_id == category_by_code(ctx, category_code).id)
    if high_frequency is not None:
        query = query.where(Matter.high_frequency == high_frequency)
    first = [case((direct, 0), else_=1)] if direct is not None else []
    query = query.order_by(*first, HallMatter.sort_order, Matter.high_frequency.desc(), Matter.name).limit(
        SEARCH_LIMIT
    )
    return [MatterSummary.model_validate(row) for row in ctx.session.execute(query)]


def category_out(category: Category) -> CategoryOut:
    return CategoryOut.model_validate(category)


def matter_out(offer: HallMatter) -> MatterOut:
    """The matter as this hall offers it (its category is the hall's)."""
    matter = offer.matter
    materials = [
        {
            key: getattr(m, key)
            for key in (
                "name",
                "required",
                "form",
                "original_count",
                "copy_count",
                "obtainable_by_sharing",
                "issuing_org",
                "notes",
                "template",
            )
        }
        for m in matter.materials
    ]
    fields = {
        name: getattr(matter, name)
        for name in MatterIn.model_fields
        if name not in ("materials", "category_code")
    }
    return MatterOut.model_validate(
        {
            **fields,
            "materials": materials,
            "category_code": offer.category.code,
            "id": matter.id,
            "pinyin_initials": matter.pinyin_initials,
            "type_name": MATTER_TYPE_NAMES[MatterType(matter.type)],
            "level_name": LEVEL_NAMES[Level(matter.level)],
            "materials_to_bring": sum(
                1 for m in matter.materials if m.required and not m.obtainable_by_sharing
            ),
        }
    )
