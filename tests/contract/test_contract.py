"""The wire contract: importable without the server, every model round-trips, and its JSON Schema is
snapshotted so that a breaking change shows up in review (regenerate with YIMEN_UPDATE_SCHEMA=1)."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

import hall_server.contract as contract
from hall_server.contract.live import EventMessage, server_message
from tests.factories import matter_in

SNAPSHOT = Path(__file__).with_name("schema.json")


def contract_models() -> dict[str, type[BaseModel]]:
    models: dict[str, type[BaseModel]] = {}
    for info in pkgutil.iter_modules(contract.__path__):
        module = importlib.import_module(f"hall_server.contract.{info.name}")
        for name, value in vars(module).items():
            own = inspect.isclass(value) and value.__module__ == module.__name__
            if own and issubclass(value, BaseModel):
                models[f"{info.name}.{name}"] = value
    return models


def test_contract_and_client_import_without_server_dependencies():
    code = (
        "import sys; import hall_server.client, hall_server.contract.live; "
        "bad = [m for m in ('fastapi', 'sqlalchemy', 'starlette', 'alembic') if m in sys.modules]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_schema_snapshot():
    schemas = {name: model.model_json_schema() for name, model in sorted(contract_models().items())}
    text = json.dumps(schemas, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if os.environ.get("YIMEN_UPDATE_SCHEMA"):
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == text, "contract changed: review; YIMEN_UPDATE_SCHEMA=1"
    assert len(schemas) > 50


@pytest.mark.parametrize(
    "model",
    [
        matter_in("340700101000", "内地居民结婚登记", "SOCIAL", type="07"),
    ],
)
def test_request_models_round_trip(model: BaseModel):
    assert type(model).model_validate_json(model.model_dump_json()) == model


def test_server_messages_round_trip_through_the_union(server, client_for):
    from hall_server.client import LiveFeed  # noqa: F401 - the client is what reads these on the wire
    from hall_server.contract.queue import IssueTicketRequest

    client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    server.state.publisher.wait_idle()
    trace = client_for("manager").trace("ticket", 1)
    message = EventMessage(topic="hall", seq=3, event=trace.events[0], waiting=[])
    parsed = server_message.validate_json(message.model_dump_json())
    assert parsed == message
