"""Faults on a real ``inset serve``: resource databases that are down, slow or dropped
mid-query give a clear error while other requests carry on; a metadata database that goes
away fails requests cleanly (503 JSON) and Inset recovers without a restart when it is back.

The metadata database is reached through a TCP proxy (tests/reliability/proxy.py) that the
test cuts and restores: the shared PostgreSQL server itself cannot be restarted here.
Service-level timeout tests live in tests/queries (test_run_postgres.py
``test_slow_query_is_cancelled``, test_run_mysql.py ``test_slow_query_is_killed``); these
add the same over HTTP, with other users' requests running at the same time.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from inset.app import create_app
from inset.db import Database
from tests.reliability.deployment import (
    APP_UUID,
    QUERY_TIMEOUT_SECONDS,
    Deployment,
    Server,
    deployment,
    pg_dsn,
    wait_for,
)
from tests.reliability.proxy import TcpProxy
from tests.support.live import free_port


@pytest.fixture(scope="module")
def proxy() -> Iterator[TcpProxy]:
    with TcpProxy("127.0.0.1", 5432) as tcp_proxy:
        yield tcp_proxy


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, proxy: TcpProxy
) -> Iterator[tuple[Deployment, Server]]:
    """One ``inset serve`` whose metadata database is behind the proxy."""
    with deployment(tmp_path_factory.mktemp("inset-faults")) as d:
        yield d, d.start(database_port=proxy.port)


def assert_no_secret(d: Deployment, body: str) -> None:
    for url in (d.down_pg_url, d.down_my_url):
        hostport = url.split("@", 1)[1].split("/", 1)[0]
        assert hostport not in body and url not in body
    assert "not-shown-" not in body  # the MariaDB resource's password
    assert "postgresql://" not in body and "mysql://" not in body and "Traceback" not in body


async def _post_query(
    client: httpx.AsyncClient, server: Server, session: str, name: str, **params: Any
) -> httpx.Response:
    return await client.post(
        f"{server.base_url}/api/runtime/queries/{name}/run",
        json={"params": params},
        headers={"Authorization": f"Bearer {session}"},
    )


def test_down_resource_databases_fail_clearly_while_other_users_carry_on(
    served: tuple[Deployment, Server],
) -> None:
    d, server = served
    victim, bystander = server.session("victim"), server.session("bystander")

    async def together() -> tuple[list[httpx.Response], list[httpx.Response]]:
        async with httpx.AsyncClient(timeout=60) as client:
            down = [_post_query(client, server, victim, n) for n in ("down_pg", "down_my") * 3]
            healthy = [_post_query(client, server, bystander, "one") for _ in range(12)]
            answers = await asyncio.gather(*down, *healthy)
        return list(answers[: len(down)]), list(answers[len(down) :])

    down, healthy = asyncio.run(together())
    for response in down:
        assert response.status_code in (502, 503), response.text
        error = response.json()["error"]
        assert error["code"] in ("resource_error", "resource_unavailable"), error
        name = str(response.request.url).rsplit("/", 2)[-2]
        assert f"'{name}'" in error["message"] and "reach" in error["message"], error
        assert_no_secret(d, response.text)
    assert [r.status_code for r in healthy] == [200] * 12
    assert all(r.json()["rows"] == [{"one": 1, "who": "bystander"}] for r in healthy)
    # The response names the query (embed users never see resource names, see
    # docs/architecture.md); the server log names the resource for the operator.
    log = server.log()
    assert "resource=down_pg" in log and "resource=down_my" in log, log[-2000:]
    assert_no_secret(d, log)


def test_slow_query_hits_the_statement_timeout_while_other_requests_proceed(
    served: tuple[Deployment, Server],
) -> None:
    _, server = served
    slow_session, other = server.session("slow"), server.session("fast")
    finished: list[str] = []

    async def slow(client: httpx.AsyncClient) -> httpx.Response:
        response = await _post_query(client, server, slow_session, "sleep", seconds=30)
        finished.append("slow")
        return response

    async def fast(client: httpx.AsyncClient) -> httpx.Response:
        response = await _post_query(client, server, other, "one")
        finished.append("fast")
        return response

    async def together() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60) as client:
            slow_task = asyncio.create_task(slow(client))
            fast_answers = [await fast(client) for _ in range(5)]
            return [await slow_task, *fast_answers]

    slow_answer, *fast_answers = asyncio.run(together())
    assert slow_answer.status_code == 504, slow_answer.text
    error = slow_answer.json()["error"]
    assert error["code"] == "query_timeout"
    assert f"{QUERY_TIMEOUT_SECONDS:g} s" in error["message"] and "'sleep'" in error["message"]
    assert [r.status_code for r in fast_answers] == [200] * 5
    # The other user was served while the slow query was still running.
    assert finished == ["fast"] * 5 + ["slow"]


def test_backend_killed_mid_query_gives_a_clear_error_and_the_pool_recovers(
    served: tuple[Deployment, Server],
) -> None:
    d, server = served
    session = server.session("killed")
    answer: list[httpx.Response] = []
    running = threading.Thread(
        target=lambda: answer.append(server.run_query(session, "sleep", {"seconds": 20}))
    )
    running.start()
    with psycopg.connect(pg_dsn(d.dbname), autocommit=True) as admin:

        def backend_pid() -> int | None:
            row = admin.execute(
                # Reads run through a cursor: PostgreSQL shows the FETCH, not the SELECT.
                "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                "AND application_name = 'inset' AND state = 'active'",
                [d.dbname],
            ).fetchone()
            return None if row is None else int(row[0])

        wait_for(lambda: backend_pid() is not None, "the slow query to reach PostgreSQL")
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid()])
    running.join(timeout=60)
    assert answer, "the request did not come back"
    response = answer[0]
    assert response.status_code in (502, 503), response.text
    error = response.json()["error"]
    assert error["code"] in ("resource_error", "resource_unavailable"), error
    assert "'sleep'" in error["message"]
    assert_no_secret(d, response.text)
    # The next queries on the same resource work: the pool dropped the dead connection.
    for _ in range(3):
        again = server.run_query(session, "one")
        assert again.status_code == 200, again.text


def test_metadata_database_outage_fails_cleanly_and_recovers_without_a_restart(
    served: tuple[Deployment, Server], proxy: TcpProxy
) -> None:
    _, server = served
    session = server.session("outage")
    assert server.run_query(session, "one").status_code == 200
    proxy.close()
    try:
        refused = [
            server.mint_response("outage-2"),
            server.run_query(session, "one"),
            httpx.post(
                f"{server.base_url}/api/v1/external-users/outage/revoke-sessions",
                headers={"Authorization": f"Bearer {served[0].admin_token}"},
                timeout=30,
            ),
        ]
        ready = httpx.get(f"{server.base_url}/readyz", timeout=30)
        alive = httpx.get(f"{server.base_url}/healthz", timeout=30)
    finally:
        proxy.open()
    for response in refused:
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "database_unavailable"
        assert response.headers["Retry-After"] == "5"
    assert ready.status_code == 503 and ready.json()["database"] == "unreachable"
    assert alive.status_code == 200
    # Back: the same process serves again (the pool drops its dead connections).
    assert httpx.get(f"{server.base_url}/readyz", timeout=30).status_code == 200
    assert server.run_query(session, "one").status_code == 200
    assert server.mint_response("outage-3").status_code == 200
    assert server.process.poll() is None
    log = server.log()
    assert "Traceback" not in log and "internal_error" not in log, log[-3000:]


async def test_unreachable_metadata_database_is_one_clean_503_in_process() -> None:
    """The same mapping without processes: every route that needs the metadata database
    answers 503 ``database_unavailable`` (one handler in app.py), never a 500."""
    database = Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing")
    app = create_app(database=database)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            minted = await http.post(
                "/api/embed-url/external-user",
                json={"landingPageUuid": APP_UUID, "externalIdentifier": "x"},
                headers={"Authorization": "Bearer ins_not_checked_before_the_database"},
            )
            ran = await http.post(
                "/api/runtime/queries/one/run",
                json={"params": {}},
                headers={"Authorization": "Bearer inss_not_checked_before_the_database"},
            )
            ready = await http.get("/readyz")
    finally:
        await database.dispose()
    for response in (minted, ran):
        assert response.status_code == 503, response.text
        assert response.json() == {
            "error": {
                "code": "database_unavailable",
                "message": "The metadata database is unavailable; retry shortly.",
            }
        }
    assert ready.status_code == 503
