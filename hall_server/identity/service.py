"""Visitors: validate an identity, store it encrypted, find it again by its keyed hash, show it masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from hall_server.contract import idnumbers as numbers
from hall_server.contract.identity import IdentityIn, IdentityOut, IdKind
from hall_server.core.context import Ctx
from hall_server.core.db import upsert_statement
from hall_server.core.errors import Invalid
from hall_server.identity.crypto import decrypt, encrypt, lookup_hash
from hall_server.identity.models import Visitor

ID_AAD = "visitor.id_number"
NAME_AAD = "visitor.name"


@dataclass(frozen=True)
class CheckedIdentity:
    """A validated identity: the normalised number and what can be derived from it."""

    kind: IdKind
    number: str
    name: str | None
    birth_date: date | None


def check(identity: IdentityIn, today: date) -> CheckedIdentity:
    """`today` is the hall's service day: an identity number born after it is refused."""
    try:
        number = numbers.validate(numbers.IdKind(identity.kind.value), identity.number, today)
    except numbers.InvalidIdNumber as exc:
        raise Invalid(exc.reason, str(exc)) from exc
    name = identity.name.strip() if identity.name and identity.name.strip() else None
    return CheckedIdentity(identity.kind, number, name, numbers.birth_date_of(number))


def hash_of(ctx: Ctx, number: str) -> str:
    return lookup_hash(ctx.keys, number)


def find(ctx: Ctx, identity: IdentityIn) -> Visitor | None:
    checked = check(identity, ctx.clock.today())
    return ctx.session.scalars(select(Visitor).where(Visitor.id_hash == hash_of(ctx, checked.number))).first()


def identify(ctx: Ctx, checked: CheckedIdentity) -> Visitor:
    """The visitor for this identity, created on first sight. Safe when two requests race for a new one."""
    id_hash = hash_of(ctx, checked.number)
    statement = upsert_statement(ctx.session, Visitor).values(
        kind=checked.kind.value,
        id_hash=id_hash,
        id_cipher=encrypt(ctx.keys, checked.number, ID_AAD),
        id_masked=numbers.mask_number(checked.number),
        name_cipher=encrypt(ctx.keys, checked.name, NAME_AAD) if checked.name else None,
        name_masked=numbers.mask_name(checked.name) if checked.name else None,
        created_at=ctx.clock.now(),
    )
    ctx.session.execute(statement.on_conflict_do_nothing(index_elements=["id_hash"]))
    visitor = ctx.session.scalars(select(Visitor).where(Visitor.id_hash == id_hash)).one()
    if checked.name and visitor.name_cipher is None:
        visitor.name_cipher = encrypt(ctx.keys, checked.name, NAME_AAD)
        visitor.name_masked = numbers.mask_name(checked.name)
    return visitor


def masked(visitor: Visitor | None) -> IdentityOut | None:
    if visitor is None:
        return None
    return IdentityOut(
        kind=IdKind(visitor.kind), number_masked=visitor.id_masked, name_masked=visitor.name_masked
    )


def masked_card(checked: CheckedIdentity, known: Visitor | None = None) -> IdentityOut:
    """The identity as read from a card, masked; the name the hall knows if the card reader gave none."""
    name_masked = numbers.mask_name(checked.name) if checked.name else known.name_masked if known else None
    return IdentityOut(
        kind=checked.kind, number_masked=numbers.mask_number(checked.number), name_masked=name_masked
    )


def reveal_number(ctx: Ctx, visitor: Visitor) -> str:
    """The clear number, for the roles and steps that need it (intake); never for logs or lists."""
    return decrypt(ctx.keys, visitor.id_cipher, ID_AAD)
