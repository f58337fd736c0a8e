"""Property-based: every operation of the served OpenAPI, driven by schemathesis from the document itself,
as an admin and anonymous, against a real uvicorn server on each database: never a 5xx, and every error is a
4xx with the {code, message[, detail]} body and a Chinese message.

Per operation: schemathesis's coverage cases (the boundary values of every parameter and body field, valid
and invalid: empty, too long, out of range, wrong type, calendar edges, ...), then a few random valid and
invalid cases from hypothesis. Bounded so that a run stays well under a minute per database.
(schemathesis's own pytest plugin does not run on pytest 9, so the operations are driven from here.)
"""

from __future__ import annotations

import itertools
import re
from collections import Counter

import httpx
import hypothesis.strategies as st
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

ERROR_KEYS = {"code", "message", "detail"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
RANDOM_EXAMPLES = 5
COVERAGE_CASES = 40  # per operation, at most
ANONYMOUS_CASES = 5
# Path values that exist in the seeded hall, so that valid random bodies also reach the deeper rules.
KNOWN_PATH = {
    "ticket_id": 1,
    "appointment_id": 1,
    "matter_id": 1,
    "number": 1,
    "code": "SOCIAL",
    "key": "1",
    "scope": "SOCIAL",
    "name": "hall",
    "alert_id": 1,
}
# The admin's own token must survive the run.
NOT_AS_ADMIN = {"POST /api/v1/auth/logout"}
# A case material's attachment is uploaded as the file itself (the body's bytes, not JSON)
schemathesis.serializer.alias(["image/jpeg", "image/png", "application/pdf"], "application/octet-stream")


def test_every_operation_answers_4xx_with_an_error_body_never_5xx(server, hall):
    spec = httpx.get(f"{server.base_url}/api/v1/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(spec)
    admin = {"Authorization": f"Bearer {hall.tokens['admin']}"}
    session = Session(server.base_url)
    statuses: Counter[str] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 35
    for operation in operations:
        callers = {"anonymous": {}} if operation.label in NOT_AS_ADMIN else {"admin": admin, "anonymous": {}}
        for number, case in enumerate(_coverage_cases(schema, operation)):
            # Anonymous callers are turned away before their input is read: a few cases show it.
            _call(
                case, session, callers if number < ANONYMOUS_CASES else _without_anonymous(callers), statuses
            )
        _random_cases(operation, session, callers, statuses)
    session.close()
    assert statuses["admin 2xx"] > len(operations) // 2, statuses
    assert statuses["anonymous 4xx"] > 0, statuses


def _without_anonymous(callers: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    return {who: headers for who, headers in callers.items() if who != "anonymous"}


def _coverage_cases(schema: schemathesis.BaseSchema, operation: schemathesis.APIOperation) -> list:
    config = schema.config.generation_for(operation=operation, phase="coverage")
    cases = schema.iter_coverage_cases(
        operation, generation_modes=list(GenerationMode), generation_config=config
    )
    return list(itertools.islice(cases, COVERAGE_CASES))


def _random_cases(operation, session, callers, statuses) -> None:
    known = {p.name: KNOWN_PATH[p.name] for p in operation.path_parameters if p.name in KNOWN_PATH}
    strategy = st.one_of(
        *[operation.as_strategy(generation_mode=mode) for mode in GenerationMode],
        operation.as_strategy(path_parameters=known),
    )

    @settings(
        max_examples=RANDOM_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def call(case: schemathesis.Case) -> None:
        _call(case, session, callers, statuses)

    call()


class Session(requests.Session):
    """Keeps the connection open between calls (schemathesis opens one per call otherwise)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url


def _call(case, session, callers, statuses) -> None:
    for who, headers in callers.items():
        response = case.call(base_url=session.base_url, session=session, headers=headers, timeout=30)
        statuses[f"{who} {response.status_code // 100}xx"] += 1
        label = f"{who} {case.method} {case.formatted_path} query={case.query} body={case.body!r:.300}"
        _check_answer(label, response)


def _check_answer(label: str, response) -> None:
    assert response.status_code < 500, (label, response.status_code, response.text)
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body, dict) and set(body) <= ERROR_KEYS, (label, body)
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", body["code"]), (label, body)
        assert CHINESE.search(body["message"]), (label, body)
