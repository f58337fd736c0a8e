from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from hall_server.client import HallClient
from tests.conftest import RunningServer
from tests.factories import SeededHall, seed_hall


@pytest.fixture
def hall(server: RunningServer) -> SeededHall:
    return seed_hall(server.state.uow)


@pytest.fixture
def client_for(server: RunningServer, hall: SeededHall) -> Iterator[Callable[[str], HallClient]]:
    """client_for("clerk1") / client_for("kiosk"): a typed client signed in as that person or device."""
    clients: list[HallClient] = []

    def make(who: str) -> HallClient:
        client = HallClient(server.base_url, hall.tokens[who])
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
