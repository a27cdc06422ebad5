"""SIGTERM during load: ``inset serve`` stops taking connections, lets the requests in
flight finish, runs its last audit chain pass and exits 0; no audit event of a request that
got a 2xx answer is lost."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from collections import Counter
from pathlib import Path

import httpx
import psycopg

from tests.reliability.deployment import APP_UUID, ORIGIN, Server, deployment, pg_dsn

SLOW = 10  # queries sleeping in PostgreSQL when SIGTERM arrives (the resource pool's size)
FAST = 190  # embed URL mints around them
SLEEP_SECONDS = 2


async def _in_flight(dbname: str) -> int:
    """Resource queries of the server running in PostgreSQL right now."""

    def count() -> int:
        with psycopg.connect(pg_dsn(dbname), autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND application_name = 'inset' AND state = 'active'",
                [dbname],
            ).fetchone()
        return int(row[0]) if row else 0

    return await asyncio.to_thread(count)


async def _load(server: Server, dbname: str) -> dict[str, httpx.Response | BaseException]:
    """SLOW sleeping queries, then FAST mints; SIGTERM once the slow ones run in PostgreSQL
    and some mints have been answered. Results by request id."""
    session = server.session("drain-user")
    embed_token = server.deployment.embed_token
    limits = httpx.Limits(max_connections=SLOW + FAST, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        answered = 0

        async def call(request_id: str, slow: bool) -> httpx.Response:
            nonlocal answered
            headers = {"X-Request-Id": request_id}
            if slow:
                response = await client.post(
                    f"{server.base_url}/api/runtime/queries/sleep/run",
                    json={"params": {"seconds": SLEEP_SECONDS}},
                    headers={"Authorization": f"Bearer {session}", **headers},
                )
            else:
                response = await client.post(
                    f"{server.base_url}/api/embed-url/external-user",
                    json={
                        "landingPageUuid": APP_UUID,
                        "groupIds": ["suppliers"],
                        "externalIdentifier": f"drain-{request_id[:6]}",
                        "parentOrigin": ORIGIN,
                    },
                    headers={"Authorization": f"Bearer {embed_token}", **headers},
                )
            answered += 1
            return response

        ids = [f"slow-{uuid.uuid4().hex}" for _ in range(SLOW)]
        tasks = [asyncio.create_task(call(i, slow=True)) for i in ids]
        while await _in_flight(dbname) < SLOW:
            await asyncio.sleep(0.05)
        fast_ids = [f"fast-{uuid.uuid4().hex}" for _ in range(FAST)]
        ids += fast_ids
        tasks += [asyncio.create_task(call(i, slow=False)) for i in fast_ids]
        while answered < 20:
            await asyncio.sleep(0.01)
        server.process.send_signal(signal.SIGTERM)
        results = await asyncio.gather(*tasks, return_exceptions=True)
    return dict(zip(ids, results, strict=True))


def test_sigterm_under_load_drains_in_flight_requests_and_loses_no_audit_event(
    tmp_path: Path,
) -> None:
    with deployment(tmp_path) as d:
        server = d.start()
        results = asyncio.run(_load(server, d.dbname))
        code = server.stop()  # already signalled: waits for the exit
        log = server.log()
        assert code == 0, log[-3000:]
        outcomes = Counter(
            r.status_code if isinstance(r, httpx.Response) else type(r).__name__
            for r in results.values()
        )
        ok = {rid for rid, r in results.items() if isinstance(r, httpx.Response) and r.is_success}
        # The queries running in PostgreSQL at SIGTERM were answered, not cut off.
        slow = [r for rid, r in results.items() if rid.startswith("slow-")]
        assert all(isinstance(r, httpx.Response) and r.is_success for r in slow), outcomes
        assert all(json.loads(r.text)["rows"] == [{"slept": ""}] for r in slow)  # type: ignore[union-attr]
        assert len(ok) >= SLOW + 20, outcomes
        # Nothing failed inside the server: refusals are connection-level only.
        statuses = [r.status_code for r in results.values() if isinstance(r, httpx.Response)]
        assert all(status < 500 for status in statuses), outcomes
        assert "Traceback" not in log, log[-3000:]
        # Every answered request has its audit event, chained by the last pass.
        events = d.audit_request_ids()
        lost = ok - events.keys()
        assert not lost, f"{len(lost)} answered requests have no audit event ({outcomes})"
        assert all(events[rid][0] is not None for rid in ok)
        verified = json.loads(d.cli("audit", "verify", "--json"))
        assert verified["ok"] is True and verified["unchained"] == 0, verified
