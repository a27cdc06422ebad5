"""Per-session concurrency cap and per-user rate limit, in memory and in a real Redis."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from inset.db import Database
from inset.embed.context import SessionContext
from inset.errors import InsetError
from inset.queries.ratelimits import close_limits, reset_limits, running_queries
from inset.settings import get_settings

from .helpers import LogCapture, Runner, add, audit_events, make_bundle, make_ctx
from .rest_server import LocalServer, serve
from .test_run_rest import add_api, rest_query

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def api() -> Iterator[LocalServer]:
    with serve() as server:
        yield server


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    def _set(**env: str) -> None:
        for key, value in env.items():
            monkeypatch.setenv(f"INSET_{key.upper()}", value)
        get_settings.cache_clear()
        reset_limits()

    return _set


def user(external_user_id: int | None = None) -> SessionContext:
    uid = external_user_id or random.randint(10**9, 10**12)
    return dataclasses.replace(make_ctx(), external_user_id=uid)


async def sqlite_bundle(database: Database, tmp_path: Any) -> dict[str, Any]:
    import sqlite3

    path = tmp_path / "shop.db"
    sqlite3.connect(path).close()
    await add(database, "shop", "sqlite", str(path))
    from .helpers import make_query

    return make_bundle(one=make_query("SELECT 1 AS x"))


async def refused(run: Runner, bundle: dict[str, Any], ctx: SessionContext) -> InsetError:
    with pytest.raises(InsetError) as raised:
        await run(bundle, "one", None, ctx)
    return raised.value


def assert_retry_after(error: InsetError, code: str, most: int) -> None:
    assert (error.status_code, error.code) == (429, code)
    retry = int(getattr(error, "headers", {})["Retry-After"])
    assert 1 <= retry <= most
    assert error.details == {"retryAfter": retry}
    assert error.to_body()["error"]["code"] == code


async def test_rate_limit_in_memory(
    database: Database, run: Runner, tmp_path: Any, configure: Callable[..., None]
) -> None:
    configure(query_rate_limit="3/minute")
    bundle = await sqlite_bundle(database, tmp_path)
    ada, bob = user(), user()
    for _ in range(3):
        await run(bundle, "one", None, ada)
    error = await refused(run, bundle, ada)
    assert_retry_after(error, "query_rate_limited", 60)
    await run(bundle, "one", None, bob)  # another user has their own budget
    # A new session of the same user shares the user's budget.
    again = dataclasses.replace(make_ctx(), external_user_id=ada.external_user_id)
    assert (await refused(run, bundle, again)).code == "query_rate_limited"
    events = await audit_events(database)
    denied = [e for e in events if e.outcome == "denied"]
    assert len(denied) == 2
    assert denied[0].data["error"] == {"code": "query_rate_limited", "status": 429}


async def test_rate_limit_shared_through_redis(
    database: Database, run: Runner, tmp_path: Any, configure: Callable[..., None]
) -> None:
    configure(query_rate_limit="3/minute", redis_url=REDIS_URL)
    bundle = await sqlite_bundle(database, tmp_path)
    ada = user()
    await run(bundle, "one", None, ada)
    await run(bundle, "one", None, ada)
    await close_limits()  # a fresh limiter, as in another server process: Redis keeps it
    await run(bundle, "one", None, ada)
    error = await refused(run, bundle, ada)
    assert_retry_after(error, "query_rate_limited", 60)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = [k.decode() for k in client.scan_iter(f"*{ada.external_user_id}*")]
        assert keys, "the counter lives in Redis"
        client.delete(*keys)
    finally:
        client.close()


async def test_memory_counts_are_per_process(
    database: Database, run: Runner, tmp_path: Any, configure: Callable[..., None]
) -> None:
    configure(query_rate_limit="2/minute")
    bundle = await sqlite_bundle(database, tmp_path)
    ada = user()
    await run(bundle, "one", None, ada)
    await run(bundle, "one", None, ada)
    reset_limits()  # another process would have its own counters
    await run(bundle, "one", None, ada)


async def test_unreachable_redis_does_not_stop_queries(
    database: Database,
    run: Runner,
    tmp_path: Any,
    configure: Callable[..., None],
    logs: LogCapture,
) -> None:
    configure(query_rate_limit="1/minute", redis_url="redis://:redispw@127.0.0.1:1/0")
    bundle = await sqlite_bundle(database, tmp_path)
    ada = user()
    await run(bundle, "one", None, ada)
    await run(bundle, "one", None, ada)
    text = logs.text()
    assert "query_rate_limit_unavailable" in text
    assert "redispw" not in text


async def test_concurrency_cap_per_session(
    database: Database,
    run: Runner,
    api: LocalServer,
    configure: Callable[..., None],
) -> None:
    configure(query_max_concurrent_per_session="2", query_timeout_seconds="1.5")
    await add_api(database, api)
    bundle = make_bundle(slow=rest_query("/slow"), one=rest_query("/items"))
    ctx = user()
    tasks = [asyncio.create_task(run(bundle, "slow", None, ctx)) for _ in range(2)]
    for _ in range(200):
        if running_queries().get(ctx.session_id) == 2:
            break
        await asyncio.sleep(0.01)
    assert running_queries()[ctx.session_id] == 2
    error = await refused(run, bundle, ctx)
    assert_retry_after(error, "too_many_concurrent_queries", 1)
    other = dataclasses.replace(ctx, session_id="another-session")
    assert (await run(bundle, "one", None, other))["rowCount"] == 5
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, InsetError) and r.code == "query_timeout" for r in results)
    assert running_queries() == {}
    await run(bundle, "one", None, ctx)  # the slots were given back
    events = await audit_events(database)
    assert [e.outcome for e in events].count("denied") == 1
