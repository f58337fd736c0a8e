from __future__ import annotations

from dataclasses import dataclass

from hall_server.contract.auth import DeviceKind, Role
from hall_server.contract.events import Actor


@dataclass(frozen=True)
class Principal:
    """Who is calling: a signed-in staff member or a registered device."""

    staff_id: int | None = None
    staff_name: str | None = None
    role: Role | None = None
    device_id: int | None = None
    device_name: str | None = None
    device_kind: DeviceKind | None = None
    hall_id: int | None = None  # the caller's hall; None: a regional account (the deployment's default hall)
    # a regional account's cover (staff_hall): the halls it may act in; empty: every hall
    halls: frozenset[int] = frozenset()

    @property
    def is_staff(self) -> bool:
        return self.staff_id is not None

    def actor(self) -> Actor:
        if self.is_staff:
            return Actor(
                kind="staff",
                staff_id=str(self.staff_id),
                staff_name=self.staff_name,
                role=self.role.value if self.role else None,
            )
        return Actor(kind="device", device_id=self.device_name)

    def covers(self, hall_id: int) -> bool:
        """Whether the caller may act in this hall: its own, or one of its cover (every hall: no cover)."""
        if self.hall_id is not None:
            return hall_id == self.hall_id
        return not self.halls or hall_id in self.halls

    def has(self, roles: frozenset[Role], devices: frozenset[DeviceKind]) -> bool:
        if self.role is not None and (self.role in roles or self.role is Role.ADMIN):
            return True
        return self.device_kind is not None and self.device_kind in devices
