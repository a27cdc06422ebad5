"""Schemathesis against /openapi.json, in process over ASGI, with a valid admin token and a
valid embed session: no operation answers 5xx, and every answer matches its schema
(status code declared, content type and body as documented)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from inset.app import create_app
from inset.auth.models import AccessToken
from inset.db import Database
from inset.queries.ratelimits import reset_limits
from inset.settings import Settings
from tests.factories import World, bearer
from tests.security.helpers import make_armed_world, start_session

CONFIG = {"seed": 20261125}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class Credentials:
    """Which Authorization header each route family gets."""

    def __init__(self, world: World, session_token: str, admin_token_id: int) -> None:
        self.world = world
        self.session_token = session_token
        self.admin_token_id = admin_token_id

    def headers(self, path: str) -> dict[str, str]:
        if path.startswith("/api/runtime/"):
            return bearer(self.session_token)
        if path.startswith("/api/embed-url/"):
            return bearer(self.world.tokens["embed"])
        return bearer(self.world.tokens["admin"])


@pytest.fixture
async def credentials(database: Database, client: httpx.AsyncClient, tmp_path: Path) -> Credentials:
    world = await make_armed_world(database, tmp_path)
    boot = await start_session(client, world)
    async with database.session() as session:
        admin_id = await session.scalar(select(AccessToken.id).where(AccessToken.name == "admin"))
    assert admin_id is not None
    return Credentials(world, boot["sessionToken"], admin_id)


@pytest.fixture
def api_schema(database: Database, credentials: Credentials) -> Any:
    reset_limits()
    # Its own app and engine: schemathesis runs the app in its own event loop thread.
    app = create_app(Settings(database_url=database.url))
    config = schemathesis.Config.from_dict(CONFIG)
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


# Ends the one session the other runtime operations use; tested in tests/embed.
SKIPPED = {("POST", "/api/runtime/logout")}
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# Deterministic (derandomized: CI sees the same cases every run) and bounded: 35 operations,
# about a minute on an idle 2-core machine.
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}


def fuzz(
    operation: Any, mode: GenerationMode, headers: dict[str, str], admin_token_id: int
) -> None:
    """Generated cases of one operation in one mode, each called and checked."""

    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first case as is
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        if case.path_parameters and case.path_parameters.get("token_id") == admin_token_id:
            # Revoking the fuzzer's own admin token would turn the rest into 401s.
            case.path_parameters = {"token_id": admin_token_id + 10_000}
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_every_operation_answers_as_documented(api_schema: Any, credentials: Credentials) -> None:
    """Each operation, valid and invalid inputs: no 5xx, and every answer as documented."""
    tested: list[str] = []
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        for mode in MODES:
            try:
                headers = credentials.headers(operation.path)
                fuzz(operation, mode, headers, credentials.admin_token_id)
            except Unsatisfiable:  # nothing to make invalid (no params, no body)
                assert mode is GenerationMode.NEGATIVE, operation.label
            except BaseException as exc:  # schemathesis' FailureGroup is an exception group
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
        tested.append(operation.label)
    assert failures == [], "\n\n".join(failures)
    # Every documented operation but the skipped one (routes outside the schema:
    # test_routes_outside_schema.py).
    documented = {
        f"{method.upper()} {path}"
        for path, item in api_schema.raw_schema["paths"].items()
        for method in item
    }
    assert set(tested) == documented - {f"{m} {p}" for m, p in SKIPPED}, tested
