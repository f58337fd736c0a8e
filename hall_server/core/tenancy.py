"""A hall is a tenant: every hall-scoped row belongs to one hall, every ORM query sees only its hall's.

A session's hall is kept in `session.info`: `HALL_KEY` (the hall entered, `Ctx.enter_hall`) or, failing
that, `RESOLVER_KEY` (a function naming the deployment's default hall, YIMEN_HALL_CODE's or the first; set
on the server's sessions by `make_session_factory` and `UnitOfWork`, for work that names no hall: the
command line and single-hall callers). `ALL_HALLS_KEY` marks deployment-wide work (`all_halls`,
`UnitOfWork.across_halls()`). Two session listeners do the rest:

- `do_orm_execute` adds `with_loader_criteria(HallScoped, hall_id == <hall>)` to every ORM SELECT, UPDATE
  and DELETE (also subqueries, relationship and lazy loads, aliases). A session with neither a hall nor a
  resolver (a bare `Session()`) that touches a hall-scoped table gets `NoHall`, never an unscoped query.
  A resolver that finds no hall (a fresh database before `PUT /api/v1/hall`) scopes to no hall: reads find
  nothing, writes fail with `NoHall` (events excepted: they may belong to no hall).
- `before_flush` fills `hall_id` on new HallScoped objects.

Core statements (`upsert_statement(...)` on a table, `text()`) are not seen by the listener: those are
scoped by hand with `current_hall_id`. A statement may opt out with `.execution_options(all_halls=True)`
(the device-token lookup, a public lookup by follow code).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sqlalchemy import ForeignKey, event, text
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria
from sqlalchemy.sql.util import find_tables

HALL_KEY = "yimen_hall_id"
RESOLVER_KEY = "yimen_hall_resolver"
ALL_HALLS_KEY = "yimen_all_halls"  # work across halls on purpose: sync delivery, the chain, purges
_RESOLVING = "yimen_hall_resolving"
_NOWHERE = -1  # the scope of a deployment with no hall yet: matches no row


class NoHall(RuntimeError):
    """A hall-scoped query or insert in a session that entered no hall: a programming error (500)."""


class HallNotConfigured(NoHall):
    """The deployment has no hall yet (a fresh install before `PUT /api/v1/hall`): a request that needs one
    is told so (404 HALL_NOT_CONFIGURED), like `halls.service.current_hall`."""


class HallScoped:
    """Mixin: the row belongs to one hall (`hall.id`), and ORM queries only see the entered hall's rows."""

    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"), index=True)
    # A row that may belong to the deployment rather than a hall (an event recorded before any hall exists:
    # the first admin account added by `yimen staff add` on a fresh database): hall_id stays NULL.
    __hall_optional__ = False


HallResolver = Callable[[Session], "int | None"]


def enter(session: Session, hall_id: int) -> None:
    session.info[HALL_KEY] = hall_id


def all_halls(session: Session) -> None:
    """This session reads and changes every hall's rows (deployment-wide work); new rows still need a hall."""
    session.info[ALL_HALLS_KEY] = True


def set_resolver(session: Session, resolver: HallResolver) -> None:
    session.info[RESOLVER_KEY] = resolver


def current_hall_id(session: Session, *, required: bool = True) -> int | None:
    """The session's hall: the one entered, else the resolver's (remembered). None only when the resolver
    finds no hall and `required` is false; otherwise `NoHall`."""
    hall_id = session.info.get(HALL_KEY)
    if hall_id is not None:
        return int(hall_id)
    resolver: HallResolver | None = session.info.get(RESOLVER_KEY)
    if resolver is None:
        raise NoHall("hall-scoped statement in a session that entered no hall")
    session.info[_RESOLVING] = True
    try:
        hall_id = resolver(session)
    finally:
        session.info.pop(_RESOLVING, None)
    if hall_id is None:
        if required:
            raise HallNotConfigured("no hall is configured in this deployment")
        return None
    session.info[HALL_KEY] = hall_id
    return hall_id


def default_hall_id(session: Session, code: str | None) -> int | None:
    """The deployment's default hall: YIMEN_HALL_CODE's if set, else the first; None before it exists."""
    if code:
        found = session.execute(text("select id from hall where code = :code"), {"code": code}).scalar()
        return None if found is None else int(found)
    first = session.execute(text("select id from hall order by id limit 1")).scalar()
    return None if first is None else int(first)


def default_resolver(code: str | None) -> HallResolver:
    return lambda session: default_hall_id(session, code)


def _scope(state: ORMExecuteState) -> None:
    session = state.session
    if (
        session.info.get(_RESOLVING)
        or session.info.get(ALL_HALLS_KEY)
        or state.execution_options.get("all_halls")
    ):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if session.info.get(HALL_KEY) is None and RESOLVER_KEY not in session.info:
        if _mentions(state):
            raise NoHall("hall-scoped statement in a session that entered no hall")
        return  # a bare session reading only shared tables
    if not state.is_orm_statement:
        return  # loader criteria reach ORM entities only: a Core statement is scoped by hand, where written
    hall_id = current_hall_id(session, required=False)
    state.statement = state.statement.options(_hall_criteria(_NOWHERE if hall_id is None else hall_id))


@functools.lru_cache(maxsize=1024)
def _hall_criteria(scope: int) -> Any:
    """The loader criteria of one hall, built once: building them (a lambda analysed for its cache key) on
    every statement was a twentieth of a ticket's cost."""
    return with_loader_criteria(HallScoped, lambda cls: cls.hall_id == scope, include_aliases=True)


def _mentions(state: ORMExecuteState) -> bool:
    """Whether the statement touches a HallScoped table anywhere (also in subqueries)."""
    if any(issubclass(mapper.class_, HallScoped) for mapper in state.all_mappers):
        return True
    scoped = {m.local_table for m in _scoped_mappers()}
    statement: Any = state.statement
    return any(t in scoped for t in find_tables(statement, check_columns=True, include_aliases=True))


def _scoped_mappers() -> list[Any]:
    from sqlalchemy.orm import class_mapper

    return [class_mapper(cls) for cls in _all_subclasses(HallScoped)]


def _all_subclasses(cls: type) -> list[type]:
    found: list[type] = []
    subclass: type
    for subclass in cls.__subclasses__():
        found.append(subclass)
        found.extend(_all_subclasses(subclass))
    return found


def _fill(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.new:
        if isinstance(obj, HallScoped) and getattr(obj, "hall_id", None) is None:
            obj.hall_id = current_hall_id(session, required=not obj.__hall_optional__)  # type: ignore[assignment]


def install() -> None:
    """Once per process: every Session scopes its hall-scoped statements."""
    if not event.contains(Session, "do_orm_execute", _scope):
        event.listen(Session, "do_orm_execute", _scope)
        event.listen(Session, "before_flush", _fill)


install()
