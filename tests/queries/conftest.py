"""Fixtures for running queries end to end: a runner that commits audit events like the
runtime route does, query limits, log capture, and closing cached connectors."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import structlog

from inset.db import Database
from inset.embed.context import SessionContext
from inset.errors import InsetError
from inset.queries import service as queries_service
from inset.queries.ratelimits import reset_limits
from inset.resources.connectors import close_all_connectors
from inset.settings import get_settings

from .helpers import ListHandler, LogCapture, Runner, make_ctx


@pytest.fixture
def run(database: Database) -> Runner:
    """Run a query like the runtime route: one transaction, committed even on an InsetError
    so that the audit event of a refused run is kept."""

    async def _run(
        bundle: dict[str, Any],
        name: str,
        params: Any = None,
        ctx: SessionContext | None = None,
    ) -> dict[str, Any]:
        error: InsetError | None = None
        async with database.session() as session:
            try:
                result = await queries_service.run_query(
                    session, ctx or make_ctx(), bundle, name, params, request_id="req-1"
                )
            except InsetError as exc:
                error = exc
        if error is not None:
            raise error
        return result

    return _run


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set INSET_QUERY_* limits for this test."""

    def _set(
        timeout: float | None = None, max_rows: int | None = None, max_bytes: int | None = None
    ) -> None:
        for env, value in (
            ("INSET_QUERY_TIMEOUT_SECONDS", timeout),
            ("INSET_QUERY_MAX_ROWS", max_rows),
            ("INSET_QUERY_MAX_BYTES", max_bytes),
        ):
            if value is not None:
                monkeypatch.setenv(env, str(value))
        get_settings.cache_clear()

    yield _set
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
async def _close_connectors() -> AsyncIterator[None]:
    yield
    await close_all_connectors()


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The corpus tests run hundreds of queries as one user: no per-user rate limit here
    unless a test sets INSET_QUERY_RATE_LIMIT itself (test_rate_limits.py)."""
    monkeypatch.setenv("INSET_QUERY_RATE_LIMIT", "")
    get_settings.cache_clear()
    reset_limits()
    yield
    get_settings.cache_clear()  # the limiter itself is closed by close_all_connectors()


@pytest.fixture
def logs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[LogCapture]:
    """Capture our structlog output (JSON) and every stdlib logger at DEBUG."""
    buffer = io.StringIO()
    logger = structlog.wrap_logger(
        structlog.PrintLogger(buffer),
        processors=[structlog.processors.add_log_level, structlog.processors.JSONRenderer()],
    )
    monkeypatch.setattr(queries_service, "log", logger)
    capture = LogCapture(buffer, capsys)
    handler = ListHandler(capture.records)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
